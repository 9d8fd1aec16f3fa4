"""Backtest of alerts against known onsets: did an alert come 1-26 weeks before?

Onsets come from outside the signal being tested (``data/onsets.csv`` documents
each: EWP's mass-killing onset years, coup lists, the start of wars); they are
never derived from the event counts the rules watch. For each onset:

* detected: an alert of the system fired for that country 1-26 weeks before it
  (lead = whole weeks from the Monday of the alert's week to the onset date);
* lead: of the earliest such alert; recall at 4 weeks' lead counts onsets with
  an alert at least 4 weeks before;
* scorable: the event sources cover at least one week of the window; an onset
  with no data before it (the Sudan 2021 sample starts on the coup's day) is
  listed but left out of recall.

False alarms: weeks with an alert of the system outside every onset window of
the country, per covered country-year (52.18 covered weeks). Covered weeks are
those of the sources' files (``signals.coverage``), so gaps between files do not
count as quiet years.

Each system is a set of rules: "tocsin" = every non-baseline rule,
"tocsin-surprise" = its negative-binomial escalation rules alone, "baseline" = the
HDX Signals rule; the backtest prints them side by side.
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tocsin.errors import InputError, Problem

WINDOW = (1, 26)  # weeks before the onset
RECALL_LEAD = 4
SHIPPED_ONSETS = Path(__file__).parent / "data" / "onsets.csv"


@dataclass(frozen=True)
class Onset:
    country: str
    date: dt.date
    line: int
    note: str = ""


def read_onsets(path: Path | str) -> list[Onset]:
    """Read ``country,date`` (more columns allowed); every bad row is reported with its line."""
    from tocsin import countries

    path = Path(path)
    if not path.exists():
        raise InputError.single(path, "file not found")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError.single(path, "is not UTF-8 text") from exc
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise InputError.single(path, "is empty; expected a header 'country,date'", 1)
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ("country", "date") if c not in header]
    if missing:
        raise InputError.single(path, f"header lacks {', '.join(missing)} (expected "
                                      f"'country,date', got {','.join(rows[0])!r})", 1)
    ci, di = header.index("country"), header.index("date")
    extra = [i for i, h in enumerate(header) if h not in ("country", "date")]
    onsets, problems = [], []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= max(ci, di):
            problems.append(Problem(str(path), f"expected at least {max(ci, di) + 1} fields, "
                                               f"got {len(row)}", n))
            continue
        country, date = row[ci].strip().upper(), row[di].strip()
        if not countries.is_known(country):
            problems.append(Problem(str(path), f"{row[ci]!r} is not an ISO 3166-1 alpha-3 "
                                               "country code", n))
            continue
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            problems.append(Problem(str(path), f"date {date!r} is not YYYY-MM-DD", n))
            continue
        note = "; ".join(row[i] for i in extra if i < len(row) and row[i].strip())
        onsets.append(Onset(country, day, n, note))
    if problems:
        raise InputError(problems)
    if not onsets:
        raise InputError.single(path, "has no onsets (only a header)", 1)
    return onsets


def covered_weeks(coverage: pd.DataFrame) -> dict[str, set[dt.date]]:
    """Per country, the Mondays some source's file covers."""
    out: dict[str, set[dt.date]] = {}
    for row in coverage.itertuples():
        weeks = pd.date_range(pd.Timestamp(row.first_week), pd.Timestamp(row.last_week),
                              freq="W-MON")
        out.setdefault(row.country, set()).update(w.date() for w in weeks)
    return out


def score(alert_weeks: dict[str, list[tuple[dt.date, str]]], onsets: list[Onset],
          covered: dict[str, set[dt.date]]) -> dict:
    """Score one system. ``alert_weeks``: per country, (Monday, rule) of every alert."""
    lo, hi = WINDOW
    per_onset = []
    windows: dict[str, set[dt.date]] = {}
    for o in onsets:
        onset_monday = o.date - dt.timedelta(days=o.date.weekday())
        win = {onset_monday - dt.timedelta(weeks=k) for k in range(lo, hi + 1)}
        # the week of the onset itself is neither a hit nor a false alarm
        windows.setdefault(o.country, set()).update(win | {onset_monday})
        scorable = bool(win & covered.get(o.country, set()))
        leads = []
        for week, rule in alert_weeks.get(o.country, []):
            lead = (o.date - week).days // 7
            if lo <= lead <= hi:
                leads.append((lead, week, rule))
        best = max(leads) if leads else None
        per_onset.append({
            "country": o.country, "date": o.date.isoformat(), "note": o.note,
            "scorable": scorable, "detected": bool(leads) and scorable,
            "lead_weeks": best[0] if best else None,
            "first_alert_week": best[1].isoformat() if best else None,
            "first_alert_rule": best[2] if best else None,
            "alert_weeks_in_window": len({w for _, w, _ in leads}),
        })
    countries = sorted(set(covered) | {o.country for o in onsets})
    per_country = []
    for c in countries:
        weeks_with_alerts = {w for w, _ in alert_weeks.get(c, [])}
        cov = covered.get(c, set())
        false = {w for w in weeks_with_alerts if w in cov and w not in windows.get(c, set())}
        years = len(cov) / 52.18
        mine = [p for p in per_onset if p["country"] == c]
        per_country.append({"country": c, **_summary(mine), "false_alarm_weeks": len(false),
                            "country_years": round(years, 2),
                            "false_alarms_per_country_year":
                                round(len(false) / years, 3) if years else None})
    total_false = sum(p["false_alarm_weeks"] for p in per_country)
    total_years = sum(p["country_years"] for p in per_country)
    overall = {**_summary(per_onset), "false_alarm_weeks": total_false,
               "country_years": round(total_years, 2),
               "false_alarms_per_country_year":
                   round(total_false / total_years, 3) if total_years else None}
    return {"overall": overall, "per_country": per_country, "onsets": per_onset}


def _summary(onsets: list[dict]) -> dict:
    scorable = [o for o in onsets if o["scorable"]]
    detected = [o for o in scorable if o["detected"]]
    early = [o for o in detected if o["lead_weeks"] >= RECALL_LEAD]
    leads = [o["lead_weeks"] for o in detected]
    return {"onsets": len(onsets), "scorable": len(scorable), "detected": len(detected),
            "recall_any_lead": round(len(detected) / len(scorable), 3) if scorable else None,
            "recall_at_4_weeks": round(len(early) / len(scorable), 3) if scorable else None,
            "median_lead_weeks": statistics.median(leads) if leads else None}


def run_backtest(home: Path, rules, onsets: list[Onset]) -> dict:
    """Detect with every rule over the stored signals and score each system."""
    from tocsin.warning.alerts import evaluate_rule
    from tocsin.warning.signals import connect_snapshot

    db = connect_snapshot(home)
    try:
        alerts = [a for rule in rules for a in evaluate_rule(db, rule)]
        coverage = db.execute("SELECT * FROM coverage").df()
    finally:
        db.close()
    covered = covered_weeks(coverage)
    systems = {
        "tocsin": [r for r in rules if not r.baseline],
        # the escalation rules alone: what the surprise method adds to plain levels
        "tocsin-surprise": [r for r in rules if not r.baseline
                            and r.condition.surprise is not None],
        "baseline": [r for r in rules if r.baseline],
    }
    out = {"window_weeks": list(WINDOW), "recall_lead_weeks": RECALL_LEAD, "systems": []}
    for name, members in systems.items():
        ids = {r.id for r in members}
        weeks: dict[str, list[tuple[dt.date, str]]] = {}
        for a in alerts:
            if a.rule in ids:
                weeks.setdefault(a.country, []).append((dt.date.fromisoformat(a.week), a.rule))
        result = score(weeks, onsets, covered)
        out["systems"].append({"name": name, "rules": sorted(ids), **result})
    return out


def render(result: dict) -> str:
    lines = [f"{'system':15} {'onsets':>6} {'scorable':>8} {'detected':>8} "
             f"{'recall@4w':>9} {'median lead':>11} {'false alarms/country-year':>26}"]
    for s in result["systems"]:
        o = s["overall"]
        lines.append(f"{s['name']:15} {o['onsets']:>6} {o['scorable']:>8} {o['detected']:>8} "
                     f"{_f(o['recall_at_4_weeks']):>9} {_f(o['median_lead_weeks'], ' wk'):>11} "
                     f"{_f(o['false_alarms_per_country_year']):>26}")
    lines += ["", "per onset (lead in weeks of the earliest alert 1-26 weeks before; "
                  "- = none, n/s = no data before the onset):"]
    names = [s["name"] for s in result["systems"]]
    lines.append(f"{'country':8} {'onset':10} " + " ".join(f"{n:>30}" for n in names))
    for i, o in enumerate(result["systems"][0]["onsets"]):
        cells = []
        for s in result["systems"]:
            p = s["onsets"][i]
            if not p["scorable"]:
                cells.append("n/s")
            elif p["detected"]:
                cells.append(f"{p['lead_weeks']} wk ({p['first_alert_rule']})"[:30])
            else:
                cells.append("-")
        lines.append(f"{o['country']:8} {o['date']:10} " + " ".join(f"{c:>30}" for c in cells))
    lines += ["", "per country (false alarms = alert weeks outside onset windows):"]
    lines.append(f"{'country':8} " + " ".join(f"{n + ' FA/cy':>16}" for n in names)
                 + f" {'country-years':>13}")
    for i, c in enumerate(result["systems"][0]["per_country"]):
        cells = [s["per_country"][i] for s in result["systems"]]
        lines.append(f"{c['country']:8} " + " ".join(
            f"{_f(x['false_alarms_per_country_year']):>16}" for x in cells)
            + f" {c['country_years']:>13}")
    return "\n".join(lines)


def _f(x, unit: str = "") -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.2f}{unit}"
    return f"{x}{unit}"


def chart(result: dict, path: Path) -> Path:
    """Lead time of the earliest alert per onset, and the overall figures, as a PNG."""
    import altair as alt

    rows = []
    for s in result["systems"]:
        for o in s["onsets"]:
            if o["scorable"]:
                rows.append({"system": s["name"], "onset": f"{o['country']} {o['date']}",
                             "lead (weeks)": o["lead_weeks"] or 0,
                             "detected": "yes" if o["detected"] else "no"})
    df = pd.DataFrame(rows)
    o = {s["name"]: s["overall"] for s in result["systems"]}
    title = " | ".join(
        f"{n}: recall@4w {_f(v['recall_at_4_weeks'])}, median lead {_f(v['median_lead_weeks'])}"
        f" wk, FA/country-year {_f(v['false_alarms_per_country_year'])}" for n, v in o.items())
    c = alt.Chart(df).mark_bar().encode(
        y=alt.Y("onset:N", title=None),
        x=alt.X("lead (weeks):Q", scale=alt.Scale(domain=[0, 26])),
        color=alt.Color("system:N"),
        yOffset="system:N",
        opacity=alt.condition(alt.datum.detected == "yes", alt.value(1), alt.value(0.25)),
    ).properties(width=520, height=max(120, 28 * df["onset"].nunique()),
                 title=alt.Title("Earliest alert 1-26 weeks before each onset",
                                 subtitle=title, fontSize=13, subtitleFontSize=10))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    c.save(str(path), scale_factor=2)
    return path
