"""Importing the output of ``tocsin forecast predict`` into the site's database."""

from __future__ import annotations

import csv
import hashlib
from importlib.resources import files
from pathlib import Path

from tocsin import countries
from tocsin.errors import InputError, Problem

DRIVER = ("up_", "down_")


def parse_driver(text: str, side: str) -> dict | None:
    """``name=value (+0.41)`` as written by ``tocsin.forecast.explain.drivers``."""
    text = (text or "").strip()
    if not text:
        return None
    from tocsin.forecast.explain import LABELS

    name, _, rest = text.partition("=")
    value, _, contrib = rest.rpartition(" (")
    try:
        c = float(contrib.rstrip(")"))
    except ValueError:
        c = 0.0
    return {"side": side, "predictor": name, "label": LABELS.get(name, name),
            "value": value, "contribution": c}


def import_csv(path: Path, model: str = "") -> int:
    """Store every row of a forecast CSV; rows of the same country, year and model are
    replaced. All or nothing: a bad row changes nothing. Returns the number of rows."""
    from django.db import transaction

    from tocsin.web.countries.models import Forecast

    path = Path(path)
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    need = {"country", "year", "probability"}
    if not rows or not need <= set(rows[0]):
        raise InputError(Problem(str(path), "expected a CSV from `tocsin forecast predict` with "
                                            "columns country,year,probability"))
    objs = []
    for n, r in enumerate(rows, start=2):
        iso = (r["country"] or "").strip().upper()
        if not iso:
            continue  # a historical state without an ISO code (forecast/data/README.md)
        try:
            year, p = int(r["year"]), float(r["probability"])
        except ValueError as exc:
            raise InputError(Problem(f"{path}:{n}", f"year and probability must be numbers "
                                                    f"({exc})")) from exc
        if not (countries.is_known(iso) and 0.0 <= p <= 1.0):
            raise InputError(Problem(f"{path}:{n}", f"country {iso!r} must be an ISO 3166-1 "
                                                    "alpha-3 code and probability between 0 "
                                                    "and 1"))
        drivers = [d for side in ("up", "down") for k in sorted(r)
                   if k.startswith(f"{side}_") and (d := parse_driver(r[k], side))]
        objs.append(Forecast(country=iso, year=year, probability=p,
                             rank=int(r["rank"]) if r.get("rank") else None,
                             name=r.get("ewp_name") or "", drivers=drivers, model=model,
                             source_file=path.name, sha256=digest))
    with transaction.atomic():
        for year in {o.year for o in objs}:
            Forecast.objects.filter(year=year, model=model,
                                    country__in=[o.country for o in objs if o.year == year]
                                    ).delete()
        Forecast.objects.bulk_create(objs)
    return len(objs)


def bundled_forecasts(out_dir: Path, ewp_data: Path | None = None,
                      years: range | None = None) -> list[Path]:
    """Forecast CSVs from the model bundled with ``tocsin.forecast``: its base year
    (from the bundled predictor rows) and, given EWP's full predictors file, earlier
    base years too, for the history on the country page.

    Earlier years use the same model. That is not a look-ahead: EWP's file holds no
    outcome after 2016, so a model trained for any base year from 2016 on learns
    from the same rows (onsets to 2016); only the predictors of each year differ.
    """
    from tocsin.atomic import write_atomic
    from tocsin.forecast import demo_forecast
    from tocsin.forecast.modelfile import load_model
    from tocsin.forecast.workflow import predict

    out_dir = Path(out_dir)
    paths = [demo_forecast(out_dir)]
    if ewp_data is not None:
        model_path = Path(str(files("tocsin.forecast").joinpath("data", "model-2024.json")))
        model, header = load_model(model_path)
        for year in years or range(2017, int(header["base_year"])):
            table = predict(model, header, Path(ewp_data), year)
            out = out_dir / f"forecast-{year}.csv"
            write_atomic(out, table.to_csv(index=False, lineterminator="\n"))
            paths.append(out)
    return paths
