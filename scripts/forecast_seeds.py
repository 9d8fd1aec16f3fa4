"""How much the 1995-2014 backtest figures of ewp and rank owe to their seeds.

    python scripts/forecast_seeds.py K [K ...]   # K = 0 is the shipped seed

For each K, both models are refitted on every fold with random_state
SEED + 1000 K (ewp: its cross-validation folds; rank: its boosters' seeds and
the folds of its Platt fit) and scored as `forecast backtest` does. One JSON
line per K. An analysis of what was already chosen, not a way to choose: no
model or seed is picked from it (docs/forecast.md, "What was learned").
Reads ../shared/data/ewp/; each K takes about 4 CPU-minutes.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

from tocsin.forecast import backtest, estimators
from tocsin.forecast.panel import OUTCOMES, TARGETS, read_panel

DATA = (Path(__file__).parents[2] / "shared" / "data" / "ewp"
        / "prepared2024predictors-2025-09-03.csv")


def main(ks: list[int]) -> None:
    panel = read_panel(DATA, outcomes=tuple(o for o in OUTCOMES if o != "mk_onset"))
    shipped = {kind: estimators.MODELS[kind] for kind in ("ewp", "rank")}
    for k in ks:
        seed = estimators.SEED + 1000 * k
        for kind, cls in shipped.items():
            estimators.MODELS[kind] = functools.partial(cls, random_state=seed)
        result = backtest.run_backtest(panel, range(1995, 2015), TARGETS["1or2"],
                                       ("ewp", "rank"))
        pooled = result.pooled()
        print(json.dumps({"k": k, "random_state": seed,
                          **{m: {"auc": round(v["auc"], 4), "top30": v["top30"]}
                             for m, v in pooled.items()}}), flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [0])
