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

from tocsin.forecast import metrics
from tocsin.forecast.estimators import ALL_MODELS, ENSEMBLES, MODELS, SEED, fit_shared
from tocsin.forecast.panel import (
    EWP_PREDICTORS,
    Target,
    evaluation_rows,
    last_training_year,
    training_rows,
)

__all__ = ["ALL_MODELS", "BacktestResult", "format_table", "run_backtest"]


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
            fitted[kind] = fit_shared(MODELS[kind](), train, y, cache)
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


@dataclass
class BacktestResult:
    target: Target
    years: list[int]
    models: tuple[str, ...]
    predictions: object  # DataFrame: base_year, model, ccode, ewp_name, outcome, probability
    folds: list[dict] = field(default_factory=list)

    def per_year(self) -> dict:
        return metrics.per_year(self.predictions, self.models)

    def pooled(self) -> dict:
        return metrics.pooled(self.predictions, self.models)

    def compare(self, baseline: str = "ewp", n_boot: int = 1000, seed: int = SEED) -> dict:
        """Each model minus ``baseline`` (see :func:`metrics.versus_over_years`)."""
        return metrics.versus_over_years(self.predictions, baseline, self.models, self.years,
                                         n_boot=n_boot, seed=seed)

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
