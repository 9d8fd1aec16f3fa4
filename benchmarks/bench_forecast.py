"""Benchmark: the full forecast backtest (base years 1995-2014, every model).

Baseline, measured in the same run: the EWP-baseline-only backtest on the same
folds (one elastic-net fit with its 10-fold lambda search per base year). The
ratio says what the stronger candidates and the ensemble cost on top of EWP's
model. Needs ../shared/data/ewp (skips with a message otherwise).

    python benchmarks/bench_forecast.py            # FORECAST_BENCH_JOBS=2 by default
    FORECAST_BENCH_FROM=2013 FORECAST_BENCH_TO=2014 python benchmarks/bench_forecast.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data" / "ewp" / "prepared2024predictors-2025-09-03.csv"
FROM = int(os.environ.get("FORECAST_BENCH_FROM", "1995"))
TO = int(os.environ.get("FORECAST_BENCH_TO", "2014"))


def main() -> int:
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return 0
    from tocsin.forecast.backtest import run_backtest
    from tocsin.forecast.estimators import ALL_MODELS
    from tocsin.forecast.panel import OUTCOMES, TARGETS, read_panel

    jobs = int(os.environ.get("FORECAST_BENCH_JOBS", "2"))
    target = TARGETS["1or2"]
    start = time.perf_counter()
    panel = read_panel(DATA, outcomes=OUTCOMES)
    t_read = time.perf_counter() - start
    years = range(FROM, TO + 1)

    start = time.perf_counter()
    base = run_backtest(panel, years, target, ("ewp",), n_jobs=jobs)
    t_base = time.perf_counter() - start

    start = time.perf_counter()
    full = run_backtest(panel, years, target, ALL_MODELS, n_jobs=jobs)
    t_full = time.perf_counter() - start

    same = (base.predictions["probability"].to_numpy()
            == full.predictions.query("model == 'ewp'")["probability"].to_numpy()).all()
    print(f"data: {DATA.name}, base years {FROM}-{TO}, target {target.column}, jobs {jobs}")
    print(f"read panel                         {t_read:8.2f} s")
    print(f"baseline: EWP-only backtest        {t_base:8.2f} s")
    print(f"full backtest ({len(ALL_MODELS)} models)           {t_full:8.2f} s")
    print(f"ratio full / EWP-only              {t_full / t_base:8.2f} x")
    print(f"EWP predictions identical in both runs: {bool(same)}")
    for kind, m in full.pooled().items():
        print(f"  {kind:<13} pooled AUC {m['auc']:.3f}  AP {m['average_precision']:.3f}  "
              f"top30 {m['top30']}/{m['onsets']}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
