"""Rolling-origin backtest: for each base year B, fit on what was known at B, score B.

Every model sees the same folds: the training rows of :func:`panel.training_rows`
and the test rows of :func:`panel.evaluation_rows`. When the ensemble is among the
models, its fitted members *are* the EWP baseline and the boosted trees (a member
is refitted on all training rows with the same seed, exactly as a standalone fit),
so each base year costs one ensemble fit rather than three.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tocsin.forecast.models import ENSEMBLES, MODELS, SEED
from tocsin.forecast.panel import (
    EWP_PREDICTORS,
    Target,
    evaluation_rows,
    last_training_year,
    training_rows,
)

ALL_MODELS = ("no-skill", "ewp", "gbm", "ensemble", "rank", "rank-ensemble")
METRICS = ("auc", "average_precision", "brier", "log_loss", "top10", "top30", "recall_top30")


def _fit_year(panel, base_year: int, target: Target, models: tuple[str, ...]):
    import pandas as pd
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # small matrices: threads only fight over 2 cores
        train = training_rows(panel, base_year, target)
        test = evaluation_rows(panel, base_year, target)
        y = train[target.column].to_numpy()
        # One fit per model and fold: a standalone model and the same model as an
        # ensemble member are one fit (keyed by its parameters), and the ensembles
        # share their members' out-of-fold predictions. Deterministic, so a shared fit
        # is exactly what a separate one would give.
        cache, fitted = {}, {}
        for kind in models:
            if kind in ENSEMBLES:
                continue
            model = MODELS[kind]()
            key = ("fit", repr(model))
            if key not in cache:
                cache[key] = model.fit(train, y)
            fitted[kind] = cache[key]
        for kind in models:
            if kind in ENSEMBLES:
                fitted[kind] = MODELS[kind]().fit(train, y, cache=cache)
        out = []
        for kind in models:
            out.append(pd.DataFrame({
                "base_year": base_year, "model": kind,
                "ccode": test["ccode"].to_numpy(), "ewp_name": test["ewp_name"].to_numpy(),
                "outcome": test[target.column].to_numpy().astype(int),
                "probability": fitted[kind].predict_proba(test)[:, 1],
            }))
        info = {"base_year": base_year, "train_until": last_training_year(base_year, target),
                "train_rows": len(train), "train_onsets": int(y.sum())}
    return pd.concat(out, ignore_index=True), info


def _auc(y, p) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties counted half."""
    from scipy.stats import rankdata

    ranks = rankdata(p)
    pos = y == 1
    n1, n0 = pos.sum(), len(y) - pos.sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def top_k(outcome, probability, ccode, k: int) -> int:
    """Onsets among the k highest probabilities; ties broken by country code so the
    count is reproducible."""
    order = np.lexsort((ccode, -probability))
    return int(outcome[order[:k]].sum())


def _top_k(frame, k: int) -> int:
    return top_k(frame["outcome"].to_numpy(), frame["probability"].to_numpy(),
                 frame["ccode"].to_numpy(), k)


def score(frame) -> dict:
    """The metrics of one set of predictions (a base year, or all of them pooled)."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = frame["outcome"].to_numpy()
    p = np.clip(frame["probability"].to_numpy(), 1e-15, 1 - 1e-15)
    both = 0 < y.sum() < len(y)
    onsets = int(y.sum())
    if "base_year" in frame and frame["base_year"].nunique() > 1:
        top10 = sum(_top_k(g, 10) for _, g in frame.groupby("base_year"))
        top30 = sum(_top_k(g, 30) for _, g in frame.groupby("base_year"))
    else:
        top10, top30 = _top_k(frame, 10), _top_k(frame, 30)
    return {
        "rows": len(y),
        "onsets": onsets,
        "auc": float(roc_auc_score(y, p)) if both else None,
        "average_precision": float(average_precision_score(y, p)) if onsets else None,
        "brier": float(np.mean((p - y) ** 2)),
        "log_loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))),
        "top10": top10,
        "top30": top30,
        "recall_top30": top30 / onsets if onsets else None,
    }


@dataclass
class BacktestResult:
    target: Target
    years: list[int]
    models: tuple[str, ...]
    predictions: object  # DataFrame: base_year, model, ccode, ewp_name, outcome, probability
    folds: list[dict] = field(default_factory=list)

    def per_year(self) -> dict:
        out = {}
        for kind in self.models:
            sub = self.predictions[self.predictions["model"] == kind]
            out[kind] = {int(y): score(g) for y, g in sub.groupby("base_year")}
        return out

    def pooled(self) -> dict:
        return {kind: score(self.predictions[self.predictions["model"] == kind])
                for kind in self.models}

    def compare(self, baseline: str = "ewp", n_boot: int = 1000, seed: int = SEED) -> dict:
        """Each model minus ``baseline``: pooled AUC and top-30 onsets, with 90% intervals.

        A paired bootstrap over base years (years resampled with replacement, the same
        draw for both models), because onsets are few: one onset more or less in the
        top 30 moves recall by 1/onsets.
        """
        if baseline not in self.models or len(self.years) < 2:
            return {}
        preds = self.predictions
        arrays = {k: {int(y): (g["outcome"].to_numpy(), g["probability"].to_numpy())
                      for y, g in preds[preds["model"] == k].groupby("base_year")}
                  for k in self.models}
        top30 = {k: {int(y): _top_k(g, 30) for y, g in preds[preds["model"] == k]
                     .groupby("base_year")} for k in self.models}
        rng = np.random.default_rng(seed)
        draws = [rng.choice(self.years, size=len(self.years)) for _ in range(n_boot)]
        out = {}
        for kind in self.models:
            if kind == baseline:
                continue
            auc_d, top_d, both = [], [], []
            for draw in draws:
                yb = np.concatenate([arrays[baseline][y][0] for y in draw])
                if not 0 < yb.sum() < len(yb):
                    continue
                pb = np.concatenate([arrays[baseline][y][1] for y in draw])
                pk = np.concatenate([arrays[kind][y][1] for y in draw])
                auc_d.append(_auc(yb, pk) - _auc(yb, pb))
                top_d.append(sum(top30[kind][y] - top30[baseline][y] for y in draw))
                both.append(auc_d[-1] > 0 and top_d[-1] > 0)
            pooled = self.pooled()
            out[kind] = {
                "auc_diff": pooled[kind]["auc"] - pooled[baseline]["auc"]
                if pooled[kind]["auc"] is not None and pooled[baseline]["auc"] is not None
                else None,
                "auc_diff_90": [float(np.quantile(auc_d, 0.05)), float(np.quantile(auc_d, 0.95))],
                "top30_diff": pooled[kind]["top30"] - pooled[baseline]["top30"],
                "top30_diff_90": [float(np.quantile(top_d, 0.05)),
                                  float(np.quantile(top_d, 0.95))],
                # share of draws in which the model beats the baseline on both
                "p_beats_both": float(np.mean(both)),
            }
        return out

    def to_json(self, data_sha256: str, data_file: str) -> dict:
        return {
            "target": self.target.column,
            "from": self.years[0],
            "to": self.years[-1],
            "data": {"file": data_file, "sha256": data_sha256},
            "models": list(self.models),
            "pooled": self.pooled(),
            "per_year": {kind: {str(y): m for y, m in v.items()}
                         for kind, v in self.per_year().items()},
            "versus_ewp": self.compare("ewp"),
            "folds": self.folds,
        }


def run_backtest(panel, years, target: Target, models=ALL_MODELS, n_jobs: int = 1):
    """Fit and score every model for every base year in ``years``; the same folds for all."""
    import pandas as pd

    models = tuple(models)
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ValueError(f"unknown model(s): {', '.join(unknown)}")
    years = [int(y) for y in years]
    if n_jobs == 1:
        results = [_fit_year(panel, y, target, models) for y in years]
    else:
        from joblib import Parallel, delayed

        cols = ["ewp_name", "ccode", "year", *EWP_PREDICTORS, target.column, *target.needs]
        slim = panel[list(dict.fromkeys(cols))]
        slim.attrs.update(panel.attrs)
        results = Parallel(n_jobs=n_jobs)(delayed(_fit_year)(slim, y, target, models)
                                          for y in years)
    predictions = pd.concat([r[0] for r in results], ignore_index=True)
    return BacktestResult(target, years, models, predictions, [r[1] for r in results])


def format_table(result: BacktestResult, per_year: bool = True) -> str:
    """Plain-text tables for people: pooled metrics, then AUC and top-30 by year."""

    def f(v, spec):
        return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)

    lines = [f"target {result.target.column}, base years {result.years[0]}-{result.years[-1]}"]
    pooled = result.pooled()
    n = pooled[result.models[0]]["onsets"]
    lines.append(f"pooled over {len(result.years)} base years ({n} onsets):")
    lines.append(f"{'model':<13} {'AUC':>6} {'AP':>6} {'Brier':>7} {'logloss':>8} "
                 f"{'top10':>6} {'top30':>6} {'recall30':>8}")
    for kind, m in pooled.items():
        lines.append(f"{kind:<13} {f(m['auc'], '.3f'):>6} {f(m['average_precision'], '.3f'):>6} "
                     f"{f(m['brier'], '.4f'):>7} {f(m['log_loss'], '.4f'):>8} {m['top10']:>6} "
                     f"{m['top30']:>6} {f(m['recall_top30'], '.2f'):>8}")
    versus = result.compare("ewp")
    if versus:
        lines.append("")
        lines.append("versus ewp (90% interval, paired bootstrap over base years):")
        for kind, d in versus.items():
            lo, hi = d["auc_diff_90"]
            tlo, thi = d["top30_diff_90"]
            lines.append(f"{kind:<13} AUC {f(d['auc_diff'], '+.3f')} [{lo:+.3f}, {hi:+.3f}]   "
                         f"top30 {d['top30_diff']:+d} [{tlo:+.0f}, {thi:+.0f}]   "
                         f"beats on both in {d['p_beats_both']:.0%} of draws")
    if per_year:
        by_year = result.per_year()
        lines.append("")
        lines.append("by base year: AUC / onsets in top 30")
        lines.append(f"{'year':<5} {'onsets':>6} " + " ".join(f"{k:>13}" for k in result.models))
        for y in result.years:
            cells = []
            for kind in result.models:
                m = by_year[kind][y]
                cells.append(f"{f(m['auc'], '.3f'):>6} / {m['top30']:>4}")
            lines.append(f"{y:<5} {by_year[result.models[0]][y]['onsets']:>6} " + " ".join(
                f"{c:>13}" for c in cells))
    return "\n".join(lines)
