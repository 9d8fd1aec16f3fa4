"""Warnings from the structural forecast: when a new forecast is imported, a country
that enters the top of the ranking, or whose probability rises by a given factor,
raises an alert, with the drivers that moved.

The comparison is between the forecast just imported and the one before it (the
latest earlier base year of the same model): plain Python over plain rows, so the
site (``tocsin.web.alerts.strands``) and a script can both run it. The alerts are
``tocsin.warning.alerts.Alert`` objects, kept and grouped into situations like those
of the event rules; re-importing the same forecast finds the same keys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tocsin.warning.alerts import Alert, make_key
from tocsin.warning.settings import ForecastSettings

ENTERED = "forecast-entered-top"
ROSE = "forecast-probability-rose"
DRIVER_MOVE = 0.05  # a driver whose contribution moved less than this did not move


@dataclass(frozen=True)
class ForecastRow:
    country: str
    year: int
    probability: float
    rank: int | None = None
    # each {side, predictor, label, value, contribution}
    drivers: list[dict] = field(default_factory=list)


def ranks(rows: list[ForecastRow]) -> dict[str, int]:
    """Each country's rank: the file's own ``rank`` where every row has one, else by
    probability (highest first; ties by country code)."""
    if rows and all(r.rank is not None for r in rows):
        return {r.country: int(r.rank) for r in rows}
    ordered = sorted(rows, key=lambda r: (-r.probability, r.country))
    return {r.country: i for i, r in enumerate(ordered, start=1)}


def moved_drivers(old: list[dict], new: list[dict]) -> list[dict]:
    """The drivers of ``new`` that push the risk up by at least ``DRIVER_MOVE`` more than
    before (a new driver counts from 0), most moved first, with their previous value and
    contribution."""
    before = {(d.get("side"), d.get("predictor")): d for d in old or []}
    out = []
    for d in new or []:
        o = before.get((d.get("side"), d.get("predictor")))
        change = float(d.get("contribution") or 0) - float((o or {}).get("contribution") or 0)
        if change < DRIVER_MOVE:
            continue
        out.append({"predictor": d.get("predictor"), "label": d.get("label") or d.get("predictor"),
                    "side": d.get("side"), "value": d.get("value"),
                    "previous_value": (o or {}).get("value"),
                    "contribution": d.get("contribution"),
                    "previous_contribution": (o or {}).get("contribution"),
                    "change": round(change, 3)})
    out.sort(key=lambda x: -x["change"])
    return out


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def compare(old: list[ForecastRow], new: list[ForecastRow], settings: ForecastSettings,
            model: str = "", day: dt.date | None = None) -> list[Alert]:
    """The alerts of ``new`` against ``old`` (no alert if there is nothing to compare
    with). ``day``: when the forecast was imported (the alerts' week is its Monday)."""
    if not old or not new:
        return []
    week = monday(day or dt.date.today()).isoformat()
    old_by = {r.country: r for r in old}
    old_rank, new_rank = ranks(old), ranks(new)
    out = []
    for r in sorted(new, key=lambda r: new_rank[r.country]):
        o = old_by.get(r.country)
        rank, before = new_rank[r.country], old_rank.get(r.country)
        base = {"measure": "probability", "value": round(r.probability, 4),
                "previous": round(o.probability, 4) if o else None,
                "rank": rank, "previous_rank": before, "year": r.year,
                "previous_year": o.year if o else None, "model": model,
                "drivers_moved": moved_drivers(o.drivers if o else [], r.drivers)}
        source = f"forecast:{model}" if model else "forecast"
        if rank <= settings.top and (before is None or before > settings.top):
            out.append(Alert(
                key=make_key(ENTERED, source, r.country, "", str(r.year)), rule=ENTERED,
                rule_name=f"Entered the top {settings.top} of the forecast",
                severity=settings.entered_severity, source=source, country=r.country,
                level="country", unit="", week=week, figures={**base, "top": settings.top}))
        if (o is not None and o.probability > 0 and r.probability >= settings.min_probability
                and r.probability / o.probability >= settings.rise_factor):
            out.append(Alert(
                key=make_key(ROSE, source, r.country, "", str(r.year)), rule=ROSE,
                rule_name=f"Forecast probability rose {settings.rise_factor:g}-fold or more",
                severity=settings.rose_severity, source=source, country=r.country,
                level="country", unit="", week=week,
                figures={**base, "factor": round(r.probability / o.probability, 2),
                         "rise_factor": settings.rise_factor}))
    return out
