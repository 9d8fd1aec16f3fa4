"""Forecast metrics, each defined once: for the backtest and for `forecast score`.

Everything here works on *predictions*: a DataFrame with one row per country and
base year, columns ``model`` (a model kind or a forecaster's label), ``base_year``,
``ccode``, ``outcome`` (0/1) and ``probability``; every model has the same rows in
the same order. The scores of a set of predictions (:func:`score`):

* ``auc`` - ROC AUC (rank-sum formula, ties counted half); ``None`` without both
  outcomes;
* ``average_precision`` - scikit-learn's average precision; ``None`` without onsets;
* ``brier`` and ``log_loss`` - on probabilities clipped to [1e-15, 1 - 1e-15];
* ``top10``, ``top30`` - onsets among the 10 / 30 highest probabilities, counted
  within each base year and summed, ties broken by country code;
* ``recall_top30`` - top30 / onsets.

A model is compared with a reference (:func:`versus_over_years`,
:func:`versus_over_countries`) on pooled AUC and top-30 onsets, with 90% intervals
from a paired bootstrap.
"""

from __future__ import annotations

import numpy as np

METRICS = ("auc", "average_precision", "brier", "log_loss", "top10", "top30", "recall_top30")
EPS = 1e-15  # probabilities are clipped to [EPS, 1 - EPS] before scoring


# --------------------------------------------------------------------------- one metric
def auc(outcome, probability) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties counted half."""
    from scipy.stats import rankdata

    ranks = rankdata(probability)
    pos = outcome == 1
    n1, n0 = pos.sum(), len(outcome) - pos.sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def average_precision(outcome, probability) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(outcome, probability))


def brier(outcome, probability) -> float:
    return float(np.mean((probability - outcome) ** 2))


def log_loss(outcome, probability) -> float:
    p = np.clip(probability, EPS, 1 - EPS)
    return float(-np.mean(outcome * np.log(p) + (1 - outcome) * np.log1p(-p)))


def top_k(outcome, probability, ccode, k: int) -> int:
    """Onsets among the k highest probabilities; ties broken by country code so the
    count is reproducible."""
    order = np.lexsort((ccode, -probability))
    return int(outcome[order[:k]].sum())


def top_k_per_year(frame, k: int) -> int:
    """:func:`top_k` within each base year of ``frame``, summed (one year: its count)."""
    if "base_year" in frame and frame["base_year"].nunique() > 1:
        return sum(top_k_per_year(g, k) for _, g in frame.groupby("base_year"))
    return top_k(frame["outcome"].to_numpy(), frame["probability"].to_numpy(),
                 frame["ccode"].to_numpy(), k)


def recall(hits: int, onsets: int) -> float | None:
    return hits / onsets if onsets else None


# --------------------------------------------------------------------------- scores
def score(frame) -> dict:
    """The metrics of one set of predictions (a base year, or several pooled)."""
    y = frame["outcome"].to_numpy()
    p = np.clip(frame["probability"].to_numpy(), EPS, 1 - EPS)
    onsets = int(y.sum())
    top10, top30 = top_k_per_year(frame, 10), top_k_per_year(frame, 30)
    return {
        "rows": len(y),
        "onsets": onsets,
        "auc": auc(y, p) if 0 < onsets < len(y) else None,
        "average_precision": average_precision(y, p) if onsets else None,
        "brier": brier(y, p),
        "log_loss": log_loss(y, p),
        "top10": top10,
        "top30": top30,
        "recall_top30": recall(top30, onsets),
    }


def pooled(predictions, models) -> dict:
    """model -> its scores over all base years."""
    return {m: score(predictions[predictions["model"] == m]) for m in models}


def per_year(predictions, models) -> dict:
    """model -> base year -> its scores in that year."""
    out = {}
    for m in models:
        sub = predictions[predictions["model"] == m]
        out[m] = {int(y): score(g) for y, g in sub.groupby("base_year")}
    return out


# --------------------------------------------------------------------------- comparisons
def _interval(draws) -> list[float]:
    return [float(np.quantile(draws, 0.05)), float(np.quantile(draws, 0.95))]


def _difference(scores: dict, model: str, reference: str, metric: str):
    a, b = scores[model][metric], scores[reference][metric]
    return None if a is None or b is None else a - b


def versus_over_years(predictions, reference: str, models, years, *, n_boot: int,
                      seed: int) -> dict:
    """Each model minus ``reference``: pooled AUC and top-30 onsets, with 90% intervals.

    A paired bootstrap over base years (years resampled with replacement, the same
    draw for both models), because onsets are few: one onset more or less in the
    top 30 moves recall by 1/onsets. ``p_beats_both``: the share of draws in which
    the model beats the reference on both. Empty without the reference or with
    fewer than two base years.
    """
    years = list(years)
    if reference not in models or len(years) < 2:
        return {}
    by_year = {m: dict(iter(predictions[predictions["model"] == m].groupby("base_year")))
               for m in models}
    arrays = {m: {int(y): (g["outcome"].to_numpy(), g["probability"].to_numpy())
                  for y, g in by_year[m].items()} for m in models}
    top30 = {m: {int(y): top_k_per_year(g, 30) for y, g in by_year[m].items()}
             for m in models}
    rng = np.random.default_rng(seed)
    draws = [rng.choice(years, size=len(years)) for _ in range(n_boot)]
    scores = pooled(predictions, models)
    out = {}
    for m in models:
        if m == reference:
            continue
        auc_d, top_d, both = [], [], []
        for draw in draws:
            yb = np.concatenate([arrays[reference][y][0] for y in draw])
            if not 0 < yb.sum() < len(yb):
                continue
            pb = np.concatenate([arrays[reference][y][1] for y in draw])
            pk = np.concatenate([arrays[m][y][1] for y in draw])
            auc_d.append(auc(yb, pk) - auc(yb, pb))
            top_d.append(sum(top30[m][y] - top30[reference][y] for y in draw))
            both.append(auc_d[-1] > 0 and top_d[-1] > 0)
        out[m] = {
            "auc_diff": _difference(scores, m, reference, "auc"),
            "auc_diff_90": _interval(auc_d),
            "top30_diff": scores[m]["top30"] - scores[reference]["top30"],
            "top30_diff_90": _interval(top_d),
            "p_beats_both": float(np.mean(both)),
        }
    return out


def versus_over_countries(predictions, reference: str, models, *, n_boot: int,
                          seed: int) -> dict:
    """The same comparison for one base year: a paired bootstrap over its countries.

    ``auc_diff_90`` is ``None`` if no draw has both outcomes; there is no
    ``p_beats_both``.
    """
    first = predictions[predictions["model"] == reference]
    y, codes = first["outcome"].to_numpy(), first["ccode"].to_numpy()
    p0 = first["probability"].to_numpy()
    rng = np.random.default_rng(seed)
    draws = [rng.integers(0, len(y), len(y)) for _ in range(n_boot)]
    scores = pooled(predictions, models)
    out = {}
    for m in models:
        if m == reference:
            continue
        p1 = predictions.loc[predictions["model"] == m, "probability"].to_numpy()
        auc_d, top_d = [], []
        for idx in draws:
            if 0 < y[idx].sum() < len(idx):
                auc_d.append(auc(y[idx], p1[idx]) - auc(y[idx], p0[idx]))
            top_d.append(top_k(y[idx], p1[idx], codes[idx], 30)
                         - top_k(y[idx], p0[idx], codes[idx], 30))
        out[m] = {
            "auc_diff": _difference(scores, m, reference, "auc"),
            "auc_diff_90": _interval(auc_d) if auc_d else None,
            "top30_diff": scores[m]["top30"] - scores[reference]["top30"],
            "top30_diff_90": _interval(top_d),
        }
    return out
