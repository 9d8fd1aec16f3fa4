"""Warnings from the structured judgement: an alert when a new version of a country's
assessment raises a risk factor's level, and when a rule that a watch point of an
assessment names fires.

Plain Python over the assessment library's own models (``tocsin.assessment``):
``level_rises`` compares two versions with ``tocsin.assessment.compare`` (the same
comparison as ``tocsin assess compare``); ``watch_point_alerts`` turns the alerts of
a run into one alert per watch point and week. Both give ``tocsin.warning.alerts.Alert``
objects that name the assessment, the scenario and the watch point in their figures,
with stable keys (re-running finds the same alerts), so they are kept, grouped into
situations and notified like the event alerts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tocsin.warning import severity as sev
from tocsin.warning.alerts import MAX_EVENT_IDS, Alert, make_key
from tocsin.warning.settings import AssessmentSettings

LEVEL_ROSE = "assessment-risk-factor-rose"
WATCH_POINT = "watch-point"
LEVELS = ("low", "moderate", "high", "very-high")  # the scored levels, lowest first


@dataclass(frozen=True)
class AssessmentRef:
    """Which stored assessment an alert points to."""

    id: int | str
    title: str
    version: int
    country: str
    unit: str = ""


@dataclass(frozen=True)
class WatchPoint:
    """A watch point of an assessment in force, with the rules that would show it."""

    assessment: AssessmentRef
    scenario: str
    scenario_title: str
    watch_point: str
    text: str
    alert_rules: tuple[str, ...]
    since: dt.date  # alerts of weeks from here on count (the assessed period's start)
    indicators: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _options(fw, rf_id: str) -> list[dict]:
    return [{"id": m.id, "name": m.name, "heading": m.heading, "answers": [f"{fw.id}:{rf_id}"],
             "state_practice": [{"states": list(sp.states), "text": sp.text}
                                for sp in m.state_practice]}
            for m in fw.measures_for(rf_id)]


def level_rises(old, new, fw, ref: AssessmentRef, previous: AssessmentRef,
                settings: AssessmentSettings, day: dt.date | None = None) -> list[Alert]:
    """One alert per risk factor whose level rose from ``old`` to ``new`` (both
    ``tocsin.assessment.model.Assessment`` of the same country and framework version;
    ``InputError`` otherwise). ``day``: when the new version was signed (the alerts'
    week is its Monday)."""
    from tocsin.assessment.compare import compare

    c = compare(old, new, fw)
    week = monday(day or dt.date.today()).isoformat()
    source = f"assessment:{ref.id}"
    inds = fw.indicators
    out = []
    for rf in c.risk_factors:
        if rf.old_level not in LEVELS or rf.new_level not in LEVELS:
            continue
        if LEVELS.index(rf.new_level) <= LEVELS.index(rf.old_level):
            continue
        up = [i for i in c.indicators if i.risk_factor == rf.id and i.kind in ("up", "newly-rated")]
        # the scenarios that name an indicator of this risk factor, with their watch points
        scenarios = [{"id": s.id, "title": s.title,
                      "watch_points": [{"id": w.id, "text": w.text} for w in s.watch_points]}
                     for s in new.scenarios
                     if any(_risk_factor(inds, fw, x) == rf.id for x in s.indicators)]
        severity = settings.for_level(rf.new_level) or "high"
        figures = {"measure": "risk_factor_level", "value": rf.new_level,
                   "previous": rf.old_level, "score": rf.new_score,
                   "previous_score": rf.old_score, "risk_factor": rf.id,
                   "risk_factor_name": rf.name, "assessment": ref.id,
                   "assessment_title": ref.title, "version": ref.version,
                   "previous_assessment": previous.id, "previous_version": previous.version,
                   "indicators_up": [i.id for i in up], "scenarios": scenarios}
        out.append(Alert(
            key=make_key(LEVEL_ROSE, source, ref.country, ref.unit, f"v{ref.version}:{rf.id}"),
            rule=LEVEL_ROSE, rule_name=f"Risk factor {rf.id} rose to {rf.new_level} in the "
                                       f"new assessment",
            severity=severity, source=source, country=ref.country, level="country",
            unit=ref.unit, week=week, figures=figures,
            indicators=[{"ref": f"{fw.id}:{i.id}", "text": inds[i.id].text if i.id in inds
                         else None, "risk_factor": f"{fw.id}:{rf.id}",
                         "risk_factor_name": rf.name} for i in up],
            options=_options(fw, rf.id)))
    return out


def watch_point_alerts(points: list[WatchPoint], alerts: list[Alert],
                       settings: AssessmentSettings) -> list[Alert]:
    """One alert per watch point and week in which an alert of a rule it names fired in
    its country (baseline alerts aside, weeks before ``since`` aside). It carries the
    alerts' events, indicators and options, and names the assessment, the scenario and
    the watch point; its severity is the highest of the alerts, at least
    ``settings.watch_point_severity``."""
    out = []
    for p in points:
        rules = set(p.alert_rules)
        if not rules:
            continue
        by_week: dict[str, list[Alert]] = {}
        for a in alerts:
            if (a.rule in rules and a.country == p.assessment.country and not a.baseline
                    and a.week >= p.since.isoformat()):
                by_week.setdefault(a.week, []).append(a)
        for week, fired in sorted(by_week.items()):
            fired.sort(key=lambda a: (-sev.rank(a.severity), a.key))
            ids = list(dict.fromkeys(e for a in fired for e in a.event_ids))
            source = f"assessment:{p.assessment.id}"
            severity = sev.highest([settings.watch_point_severity,
                                    *(a.severity for a in fired)])
            out.append(Alert(
                key=make_key(WATCH_POINT, source, p.assessment.country, "",
                             f"{week}:{p.scenario}/{p.watch_point}"),
                rule=WATCH_POINT, rule_name=f"Watch point '{p.watch_point}' of the "
                                            f"assessment: {p.text}"[:300],
                severity=severity, source=source, country=p.assessment.country,
                level="country", unit="", week=week,
                figures={"measure": "alerts", "value": len(fired),
                         "assessment": p.assessment.id,
                         "assessment_title": p.assessment.title,
                         "version": p.assessment.version, "scenario": p.scenario,
                         "scenario_title": p.scenario_title, "watch_point": p.watch_point,
                         "watch_point_text": p.text, "rules": sorted({a.rule for a in fired}),
                         "fired": [a.key for a in fired]},
                event_ids=ids[:MAX_EVENT_IDS], event_count=sum(a.event_count for a in fired),
                indicators=_union(a.indicators for a in fired),
                triggers=_union(a.triggers for a in fired),
                options=_union((a.options for a in fired), key="id")))
    return out


def _risk_factor(inds: dict, fw, ref: str) -> str | None:
    ind = inds.get(fw.own(ref) or ref)
    return ind.risk_factor if ind is not None else None


def _union(lists, key: str = "ref") -> list[dict]:
    seen: dict = {}
    for items in lists:
        for x in items or []:
            seen.setdefault(x.get(key), x)
    return list(seen.values())
