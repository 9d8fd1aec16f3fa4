"""Train and predict: the steps behind ``tocsin forecast train`` and ``predict``.

Kept apart from the command line so the site, the reports and the demo call the
same code.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files
from pathlib import Path

from tocsin.errors import InputError, Problem
from tocsin.forecast.estimators import CHOSEN, make_model
from tocsin.forecast.panel import (
    EWP_PREDICTORS,
    Target,
    base_year_rows,
    last_training_year,
    read_panel,
    sha256_file,
    training_rows,
)

PREDICT_COLUMNS = ("country", "year", "probability", "rank", "ewp_name", "ccode")


@cache
def iso3_by_ccode() -> dict[int, str]:
    """EWP country code -> ISO 3166-1 alpha-3 (see forecast/data/README.md for the few
    historical states without one)."""
    text = files("tocsin.forecast").joinpath("data/countries.csv").read_text(encoding="utf-8")
    return {int(r["ccode"]): r["iso3"] for r in csv.DictReader(text.splitlines())}


def train(data: Path, until: int, target: Target, kind: str = CHOSEN):
    """Fit ``kind`` on what was known at base year ``until``; return (model, info)."""
    panel = read_panel(data, columns=EWP_PREDICTORS, outcomes=(target.column, *target.needs))
    rows = training_rows(panel, until, target)
    y = rows[target.column].to_numpy()
    cut = last_training_year(until, target)
    if len(rows) == 0 or y.sum() == 0 or y.sum() == len(y):
        raise InputError(Problem(str(data), f"no usable training rows for base year {until}: "
                                            f"need rows of years <= {cut} with known "
                                            f"{target.column}, both onsets and non-onsets "
                                            f"(found {len(rows)} rows, {int(y.sum())} onsets)"))
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        model = make_model(kind).fit(rows, y)
    info = {"target": target, "base_year": until, "train_until": cut, "train_rows": len(rows),
            "train_years": [int(rows["year"].min()), int(rows["year"].max())],
            "train_onsets": int(y.sum()), "data_file": str(data),
            "data_sha256": sha256_file(data)}
    return model, info


def predict(model, header: dict, data: Path, year: int, k: int = 3):
    """One row per country with predictors for ``year``: probability, rank and drivers."""
    from tocsin.forecast.explain import drivers

    features = tuple(header["features"])
    panel = read_panel(data, columns=features)
    rows = base_year_rows(panel, year)
    prob = model.predict_proba(rows)[:, 1]
    expl, _ = drivers(model, rows, k=k)
    out = expl.copy()
    iso = iso3_by_ccode()
    out.insert(0, "ccode", rows["ccode"].to_numpy())
    out.insert(0, "ewp_name", rows["ewp_name"].to_numpy())
    out.insert(0, "probability", prob.round(6))
    out.insert(0, "year", rows["year"].to_numpy())
    out.insert(0, "country", [iso.get(int(c), "") for c in rows["ccode"]])
    out = out.sort_values(["probability", "ccode"], ascending=[False, True], kind="stable")
    out.insert(3, "rank", range(1, len(out) + 1))
    return out.reset_index(drop=True)


def demo_forecast(out_dir) -> Path:
    """Write the current forecast from the bundled model and base-year sample.

    The package carries a model trained by ``tocsin forecast train --until 2024``
    on EWP's full file, and only the 2024 predictor rows (see data/README.md), so
    this works on a machine without the EWP data. Returns the CSV's path.
    """
    from tocsin.atomic import write_atomic
    from tocsin.forecast.modelfile import load_model

    base = files("tocsin.forecast").joinpath("data")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = Path(str(base.joinpath("model-2024.json")))
    data_path = Path(str(base.joinpath("predictors-2024.csv")))
    model, header = load_model(model_path)
    table = predict(model, header, data_path, int(header["base_year"]))
    out = out_dir / f"forecast-{header['base_year']}.csv"
    write_atomic(out, table.to_csv(index=False, lineterminator="\n"))
    return out
