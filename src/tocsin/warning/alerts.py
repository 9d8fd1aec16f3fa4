"""Turn rules and the materialised signals into alerts that name their evidence.

An alert is one (rule, source, country, unit, week) where the rule's condition held.
It carries the figures that fired it, the ids of the events behind it, the
framework indicators and triggers it is evidence for, and the preventive options
(resilience measures with the state practice the framework cites) that answer the
risk factors of those indicators: what can be done, not only what happened.

Plain Python: storing alerts and their lifecycle is ``tocsin.warning.lifecycle``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tocsin.warning import escalation
from tocsin.warning.framework_links import FrameworkLinks
from tocsin.warning.rules import Rule, classes_for

MAX_EVENT_IDS = 50  # the events behind an alert, largest death toll first


@dataclass
class Alert:
    key: str  # rule|source|country|unit|week: re-running detection finds the same key
    rule: str
    rule_name: str
    severity: str
    source: str
    country: str
    level: str
    unit: str
    week: str  # ISO date of the Monday
    figures: dict
    event_ids: list[str] = field(default_factory=list)
    event_count: int = 0
    indicators: list[dict] = field(default_factory=list)
    triggers: list[dict] = field(default_factory=list)
    options: list[dict] = field(default_factory=list)
    baseline: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def iso_week(self) -> str:
        y, w, _ = dt.date.fromisoformat(self.week).isocalendar()
        return f"{y}-W{w:02d}"

    def summary(self) -> str:
        f = self.figures
        what = f"{f.get('measure', '')} {f.get('value', '')}"
        if "p_value" in f:
            what += f" (expected {f['expected']:.1f}, p={f['p_value']:.1e})"
        elif "rolling_30d" in f:
            what = f"30-day fatalities {f['rolling_30d']} (previous 1-year max {f['prior_max_1y']})"
        where = self.country + (f"/{self.unit}" if self.unit else "")
        return f"{self.iso_week} {where} [{self.source}] {self.rule}: {what}"


def make_key(rule: str, source: str, country: str, unit: str, week: str) -> str:
    return "|".join([rule, source, country, unit, week])


# --- evaluation ------------------------------------------------------------------------


def _coverage_mask(weeks: np.ndarray, cov: pd.DataFrame) -> np.ndarray:
    """``weeks``: datetime64[D] Mondays; True where some file of ``cov`` covers the week."""
    mask = np.zeros(len(weeks), dtype=bool)
    for first, last in zip(cov["f"].to_numpy(), cov["l"].to_numpy(), strict=True):
        mask |= (weeks >= first) & (weeks <= last)
    return mask


def _series(db, rule: Rule) -> tuple[pd.DataFrame, pd.DatetimeIndex, np.ndarray, pd.DataFrame]:
    """(series keys, weeks, values [series x weeks] with NaN outside coverage, coverage)."""
    classes = classes_for(rule)
    where = ["level = ?", "event_class IN (SELECT unnest(?))"]
    params: list = [rule.level, classes]
    if rule.select.sources:
        where.append("source IN (SELECT unnest(?))")
        params.append(list(rule.select.sources))
    rows = db.execute(
        f"SELECT source, country, unit, week, sum({rule.measure}) AS value FROM signals "
        f"WHERE {' AND '.join(where)} GROUP BY ALL", params).df()
    cov = db.execute("SELECT * FROM coverage").df()
    if rows.empty:
        return rows, pd.DatetimeIndex([]), np.zeros((0, 0)), cov
    rows["week"] = pd.to_datetime(rows["week"])
    start, end = rows["week"].min(), rows["week"].max()
    cov_rel = cov[cov["source"].isin(rows["source"].unique())]
    if not cov_rel.empty:
        start = min(start, pd.Timestamp(cov_rel["first_week"].min()))
        end = max(end, pd.Timestamp(cov_rel["last_week"].max()))
    weeks = pd.date_range(start, end, freq="W-MON")
    keys = rows[["source", "country", "unit"]].drop_duplicates().reset_index(drop=True)
    keys["row"] = np.arange(len(keys))
    rows = rows.merge(keys, on=["source", "country", "unit"])
    col = ((rows["week"] - weeks[0]).dt.days // 7).to_numpy()
    values = np.zeros((len(keys), len(weeks)))
    values[rows["row"].to_numpy(), col] = rows["value"].to_numpy(dtype=float)
    # Unknown, not zero, outside the spans the source's files cover for the country.
    masks = {}
    days = weeks.to_numpy().astype("datetime64[D]")
    cov = cov.assign(f=pd.to_datetime(cov["first_week"]).to_numpy().astype("datetime64[D]"),
                     l=pd.to_datetime(cov["last_week"]).to_numpy().astype("datetime64[D]"))
    wanted = set(zip(keys["source"], keys["country"], strict=True))
    for (src, ctry), grp in cov.groupby(["source", "country"]):
        if (src, ctry) not in wanted:
            continue
        masks[(src, ctry)] = _coverage_mask(days, grp)
    for i, (src, ctry) in enumerate(zip(keys["source"], keys["country"], strict=True)):
        m = masks.get((src, ctry))
        if m is not None:
            values[i, ~m] = np.nan
    return keys, weeks, values, cov


def evaluate_rule(db, rule: Rule, since: dt.date | None = None) -> list[Alert]:
    """Alerts of one rule over the materialised signals (``db``: the signals connection)."""
    if rule.condition.hdx is not None:
        return _evaluate_hdx(db, rule, since)
    keys, weeks, values, _ = _series(db, rule)
    if len(keys) == 0:
        return []
    cond = rule.condition
    figures_extra: dict[str, np.ndarray] = {}
    if cond.threshold is not None:
        fired = escalation.threshold(values, cond.threshold)
    else:
        s = cond.surprise
        sur = escalation.nb_surprise(values, s.baseline_weeks, s.guard_weeks, s.min_baseline_weeks)
        with np.errstate(invalid="ignore"):
            fired = (sur.p_value < s.p) & (np.nan_to_num(values) >= s.min_value)
        figures_extra = {"expected": sur.expected, "p_value": sur.p_value,
                         "baseline_weeks": sur.baseline_weeks}
    if since is not None:
        fired &= np.asarray(weeks >= pd.Timestamp(since))[None, :]
    out = []
    srcs, ctrys, units = (keys[c].tolist() for c in ("source", "country", "unit"))
    week_iso = [w.date().isoformat() for w in weeks]
    for i, j in zip(*np.nonzero(fired), strict=True):
        week = week_iso[j]
        src, ctry, unit = srcs[i], ctrys[i], units[i]
        figures = {"measure": rule.measure, "value": int(values[i, j])}
        if cond.threshold is not None:
            figures["threshold"] = cond.threshold
        else:
            figures.update(expected=round(float(figures_extra["expected"][i, j]), 3),
                           p_value=float(f"{figures_extra['p_value'][i, j]:.4g}"),
                           p_threshold=cond.surprise.p,
                           baseline_weeks=int(figures_extra["baseline_weeks"][i, j]))
        out.append(_alert(rule, src, ctry, unit, week, figures))
    return out


def _evaluate_hdx(db, rule: Rule, since: dt.date | None) -> list[Alert]:
    h = rule.condition.hdx
    where, params = "", []
    if rule.select.sources:
        where, params = "WHERE source IN (SELECT unnest(?))", [list(rule.select.sources)]
    daily = db.execute(f"SELECT source, country, day, sum(fatalities) AS f FROM daily {where} "
                       "GROUP BY ALL", params).df()
    cov = db.execute("SELECT * FROM coverage").df()
    out = []
    for (src, ctry), grp in daily.groupby(["source", "country"]):
        c = cov[(cov["source"] == src) & (cov["country"] == ctry)]
        first = min(pd.Timestamp(grp["day"].min()), pd.Timestamp(c["first_week"].min()))
        last = max(pd.Timestamp(grp["day"].max()),
                   pd.Timestamp(c["last_week"].max()) + pd.Timedelta(days=6))
        days = pd.date_range(first, last, freq="D")
        y = np.zeros(len(days))
        idx = (pd.to_datetime(grp["day"]) - first).dt.days.to_numpy()
        np.add.at(y, idx, grp["f"].to_numpy(dtype=float))
        covered = np.zeros(len(days), dtype=bool)
        for a, b in zip(c["first_week"], c["last_week"], strict=True):
            covered |= (days >= pd.Timestamp(a)) & (days <= pd.Timestamp(b) + pd.Timedelta(days=6))
        y[~covered] = np.nan
        res = escalation.hdx_conflict(y, h.window_days, h.floor, h.history_days)
        frame = pd.DataFrame({"day": days, "level": res.level, "rolling": res.rolling,
                              "m1": res.prior_max_1y, "m3": res.prior_max_3y})
        frame = frame[frame["level"] > 0]
        if since is not None:
            frame = frame[frame["day"] >= pd.Timestamp(since)]
        frame["week"] = frame["day"] - pd.to_timedelta(frame["day"].dt.day_of_week, unit="D")
        for week, wk in frame.groupby("week"):
            top = wk.loc[wk["rolling"].idxmax()]
            figures = {"measure": "fatalities", "value": int(top["rolling"]),
                       "rolling_30d": int(top["rolling"]), "day": top["day"].date().isoformat(),
                       "prior_max_1y": int(max(top["m1"], 0)),
                       "prior_max_3y": int(max(top["m3"], 0)) if np.isfinite(top["m3"]) else 0,
                       "not_seen_in": "3 years" if top["level"] == 2 else "1 year",
                       "floor": h.floor}
            alert = _alert(rule, src, ctry, "", week.date().isoformat(), figures)
            if top["level"] == 2 and rule.severity in ("low", "medium"):
                alert.severity = "high"  # HDX: not seen in three years is the higher level
            out.append(alert)
    return out


def _alert(rule: Rule, source, country, unit, week, figures) -> Alert:
    return Alert(key=make_key(rule.id, source, country, unit, week), rule=rule.id,
                 rule_name=rule.name, severity=rule.severity, source=source, country=country,
                 level=rule.level, unit=unit, week=week, figures=figures,
                 baseline=rule.baseline)


# --- evidence: events, indicators, triggers, preventive options ---------------------------


def attach_events(alerts: list[Alert], rules: dict[str, Rule], home: Path) -> None:
    """Fill in the ids of the events behind each alert (largest death toll first): the
    events of its series (``series.weekly_events``: the rule that puts an event in a
    week) in its week, or in its window for the HDX rule."""
    if not alerts:
        return
    from tocsin.events.store import connect_reader
    from tocsin.warning.series import duckdb_sql

    rows = []
    for a in alerts:
        rule = rules[a.rule]
        start = dt.date.fromisoformat(a.week)
        end = start + dt.timedelta(days=6)
        if rule.condition.hdx is not None:
            end = dt.date.fromisoformat(a.figures["day"])
            start = end - dt.timedelta(days=rule.condition.hdx.window_days - 1)
        rows.append({"key": a.key, "source": a.source, "country": a.country,
                     "unit": a.unit if a.level == "admin1" else None,
                     "start": start, "end": end, "classes": classes_for(rule)})
    wanted = pd.DataFrame(rows)
    con = connect_reader(home)
    try:
        con.register("wanted", wanted)
        found = con.execute(f"""
            SELECT w.key, e.uid, coalesce(e.fatalities_best, 0) AS f
            FROM wanted w JOIN ({duckdb_sql("weekly_events")}) e
              ON e.source = w.source AND e.country = w.country
             AND e.event_date BETWEEN w.start AND w."end"
             AND (w.unit IS NULL OR e.admin1 = w.unit)
             AND list_contains(w.classes, e.event_class)
            ORDER BY w.key, f DESC, e.uid""").df()
    finally:
        con.close()
    by_key = {k: g for k, g in found.groupby("key", sort=False)}
    for a in alerts:
        g = by_key.get(a.key)
        if g is None:
            continue
        a.event_count = len(g)
        a.event_ids = g["uid"].head(MAX_EVENT_IDS).tolist()


def attach_evidence(alerts: list[Alert], rules: dict[str, Rule], links: FrameworkLinks) -> None:
    """Name in each alert the indicators and triggers it is evidence for and the
    preventive options that answer them."""
    for a in alerts:
        a.indicators, a.triggers, a.options = links.for_rule(rules[a.rule])


def detect_alerts(home: Path, rules: list[Rule], since: dt.date | None = None,
                  with_evidence: bool = True) -> list[Alert]:
    """Every alert of ``rules`` over the published signals of ``home``."""
    from tocsin.warning.signals import connect_snapshot

    db = connect_snapshot(home)
    try:
        alerts = [a for rule in rules for a in evaluate_rule(db, rule, since)]
    finally:
        db.close()
    by_id = {r.id: r for r in rules}
    if with_evidence:
        attach_events(alerts, by_id, home)
        attach_evidence(alerts, by_id, FrameworkLinks(home))
    alerts.sort(key=lambda a: (a.week, a.country, a.rule, a.unit))
    return alerts
