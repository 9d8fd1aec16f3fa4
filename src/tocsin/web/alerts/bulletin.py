"""What the early-warning bulletin shows, read from the site's database (situations,
their changes, alerts, forecasts, assessments) and the published weekly signals, as
the plain data ``tocsin.reports.bulletin`` renders. One reader for ``tocsin warn
bulletin``, the site's bulletin page and the bulletin e-mailed to subscribers.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from tocsin import countries as country_codes
from tocsin.reports.bulletin import WEEKS_BEFORE, Period
from tocsin.warning import severity as sev
from tocsin.warning import situations as core
from tocsin.web.alerts.models import Alert, Situation, SituationChange

WHAT = {"opened": "opened", "severity-rose": "severity rose", "reminder": "still open",
        "closed": "closed"}
HEADINGS = {
    "building-national-resilience": "Building national resilience",
    "promoting-and-protecting-human-rights": "Promoting and protecting human rights",
    "targeted-measures": "Targeted measures to prevent atrocity crimes",
    "partnerships": "Partnerships for prevention",
}
LEVEL_LABELS = {"low": "low", "moderate": "moderate", "high": "high", "very-high": "very high",
                "insufficient": "too few ratings", "not-rated": "not rated"}


def countries_active(period: Period) -> list[str]:
    """The countries with a situation's change, or an alert, in the period."""
    weeks = (period.first_week, period.end)
    found = set(SituationChange.objects.filter(week__range=weeks)
                .values_list("situation__country", flat=True))
    found |= set(Alert.objects.filter(week__range=weeks, baseline=False)
                 .values_list("country", flat=True))
    return sorted(found)


def gather(codes: list[str], period: Period, user=None, quiet_weeks: int = 8) -> dict:
    """The bulletin's data for countries ``codes`` and ``period`` (``user``: whose
    assessments may be shown; None: the command line, which reads them all)."""
    from tocsin import __version__

    out = [_country(iso, period, user) for iso in codes]
    sources = sorted({c["series_source"] for c in out if c.get("series_source")})
    return {"title": "Early-warning bulletin", "period": period, "countries": out,
            "generated": dt.date.today(), "version": __version__, "sources": sources,
            "quiet_weeks": quiet_weeks}


def _country(iso: str, period: Period, user) -> dict:
    lo, hi = period.first_week, period.end
    changes = []
    rows = (SituationChange.objects.filter(situation__country=iso)
            .filter(Q(week__range=(lo, hi), kind__in=["opened", "severity-rose", "closed"])
                    | Q(kind="status", to_status="escalated", at__date__range=(lo, hi)))
            .select_related("situation").order_by("week", "at", "id"))
    for c in rows:
        s = c.situation
        what = WHAT.get(c.kind, c.kind)
        if c.kind == "severity-rose":
            what = f"severity rose from {c.from_severity or '–'} to {c.to_severity}"
        elif c.kind == "status":
            what = f"escalated by {c.actor_name}"
        changes.append({"week": c.week or c.at.date(), "situation_id": s.pk, "place": s.place,
                        "opened_week": s.opened_week, "what": what,
                        "severity": c.to_severity or s.severity, "reason": c.reason,
                        "kind": c.kind})
    open_at_end = [s for s in Situation.objects.filter(country=iso, opened_week__lte=hi)
                   if s.closed_week is None or s.closed_week > hi]
    open_situations = [{"id": s.pk, "place": s.place, "severity": s.severity,
                        "status": s.status, "opened_week": s.opened_week,
                        "closed_week": s.closed_week, "alerts": s.alerts.count()}
                       for s in open_at_end]
    alerts = list(Alert.objects.filter(country=iso, baseline=False, week__range=(lo, hi))
                  .order_by("-week", "id"))
    top = sorted(alerts, key=lambda a: (-sev.rank(a.severity), a.inhibited, a.week))[:6]
    summary = {"opened": sum(c["kind"] == "opened" for c in changes),
               "escalated": sum(c["kind"] in ("severity-rose", "status") for c in changes),
               "closed": sum(c["kind"] == "closed" for c in changes),
               "open_now": Situation.objects.filter(country=iso, status__in=core.OPEN).count(),
               "alerts": len(alerts),
               "severity": sev.highest(a.severity for a in alerts)}
    series, source = _series(iso, period)
    return {"iso3": iso, "name": country_codes.name(iso) if country_codes.is_known(iso) else iso,
            "summary": summary, "changes": changes, "open_situations": open_situations,
            "top_alerts": [{"severity": a.severity, "week": a.week, "unit": a.unit,
                            "rule_name": a.rule_name, "what": _what(a)} for a in top],
            "series": series, "series_source": source,
            "alert_weeks": _alert_weeks(iso, series),
            "forecast": _forecast(iso), "assessment": _assessment(iso, period, user),
            "options": _options(alerts)}


def _what(a: Alert) -> str:
    f = a.figures or {}
    text = f"{str(f.get('measure', '')).replace('_', ' ')} {f.get('value', '')}".strip()
    if "expected" in f:
        text += f", expected {f['expected']:.1f}"
    return text + (f"; {a.event_count} events" if a.event_count else "")


def _series(iso: str, period: Period) -> tuple[list[dict], str]:
    """Weekly events and fatalities of the country (its source with the most events in
    the window), from a year before the period to eight weeks after it."""
    from tocsin.web.countries.data import signals_reader

    start = period.first_week - dt.timedelta(weeks=WEEKS_BEFORE)
    end = period.end + dt.timedelta(weeks=8)
    with signals_reader(iso) as con:
        if con is None:
            return [], ""
        rows = con.execute(
            "SELECT source, week, sum(events), sum(fatalities) FROM signals WHERE country = ? "
            "AND level = 'country' AND week BETWEEN ? AND ? GROUP BY source, week",
            [iso, start, end]).fetchall()
    if not rows:
        return [], ""
    totals: dict[str, int] = {}
    for src, _, n, _ in rows:
        totals[src] = totals.get(src, 0) + int(n or 0)
    source = max(sorted(totals), key=lambda s: totals[s])
    by_week = {(w.date() if isinstance(w, dt.datetime) else w): (int(n or 0), int(f or 0))
               for s, w, n, f in rows if s == source}
    # from the first week with data: a week before a source's first file is unknown,
    # not quiet (the signals' coverage), and is not drawn as zero
    last, w = max(by_week), min(by_week)
    out = []
    while w <= last:
        n, f = by_week.get(w, (0, 0))
        out.append({"week": w.isoformat(), "events": n, "fatalities": f})
        w += dt.timedelta(weeks=1)
    return out, source


def _alert_weeks(iso: str, series: list[dict]) -> list[dict]:
    if not series:
        return []
    lo, hi = dt.date.fromisoformat(series[0]["week"]), dt.date.fromisoformat(series[-1]["week"])
    top: dict[dt.date, str] = {}
    for week, s in Alert.objects.filter(country=iso, baseline=False, week__range=(lo, hi),
                                        source__in=_event_sources()).values_list("week",
                                                                                 "severity"):
        top[week] = sev.highest([top.get(week, ""), s])
    return [{"week": w.isoformat(), "severity": s} for w, s in sorted(top.items())]


def _event_sources() -> list[str]:
    return list(Alert.objects.exclude(source__startswith="forecast").exclude(
        source__startswith="assessment").values_list("source", flat=True).distinct())


def _forecast(iso: str) -> dict | None:
    from tocsin.web.countries.models import Forecast

    latest = Forecast.objects.filter(country=iso).order_by("-year", "-imported_at", "-id").first()
    if latest is None:
        return None
    prev = (Forecast.objects.filter(country=iso, model=latest.model, year__lt=latest.year)
            .order_by("-year").first())
    drivers = [d for d in latest.drivers or [] if d.get("side") == "up"][:3]
    return {"year": latest.year, "probability": latest.probability, "rank": latest.rank,
            "model": latest.model, "previous_year": prev.year if prev else None,
            "previous_probability": prev.probability if prev else None,
            "previous_rank": prev.rank if prev else None,
            "change": latest.probability - prev.probability if prev else None,
            "drivers": [{"label": d.get("label") or d.get("predictor"), "value": d.get("value")}
                        for d in drivers]}


def _assessment(iso: str, period: Period, user) -> dict | None:
    from tocsin.web.alerts.strands import _points, in_force
    from tocsin.web.countries.data import assessment_level

    rows = in_force().filter(country=iso).order_by("-updated_at", "-pk")
    if user is not None:
        from tocsin.web import policy

        rows = [a for a in rows if policy.can_view(user, a)]
    row = next(iter(rows), None)
    if row is None:
        return None
    level = assessment_level(row)
    high = []
    try:
        from tocsin.assessment.scoring import score
        from tocsin.web.assessments import convert

        card = score(convert.to_model(row, include_sensitive=False),
                     convert.framework(row.framework_id))
        high = [{"id": rf.id, "name": rf.name} for rf in card.risk_factors
                if rf.level in ("high", "very-high")]
    except Exception:  # an assessment the library cannot score yet shows no risk factors
        high = []
    points = []
    for p in _points(row) or []:
        fired = Alert.objects.filter(country=iso, rule__in=p.alert_rules, baseline=False,
                                     week__range=(period.first_week, period.end)).count()
        points.append({"scenario": p.scenario, "scenario_title": p.scenario_title,
                       "id": p.watch_point, "text": p.text, "rules": list(p.alert_rules),
                       "fired": fired})
    doc = row.document or {}
    for sc in doc.get("scenarios") or []:  # watch points that name no rule are shown too
        for wp in sc.get("watch_points") or []:
            if not wp.get("alert_rules"):
                points.append({"scenario": sc.get("id"), "scenario_title": sc.get("title", ""),
                               "id": wp.get("id"), "text": wp.get("text", ""), "rules": [],
                               "fired": 0})
    return {"title": row.title, "version": row.version, "status": row.get_status_display(),
            "date": doc.get("date") or row.created_at.date(), "level": level["level"],
            "level_label": LEVEL_LABELS.get(level["level"], level["level"]),
            "score": level["score"], "high": high, "watch_points": points}


def _options(alerts: list[Alert]) -> list[dict]:
    """The preventive options of the period's alerts, those most alerts name first."""
    found: dict[str, dict] = {}
    for a in alerts:
        for o in a.options or []:
            entry = found.setdefault(o["id"], {
                "id": o["id"], "name": o["name"], "heading": o.get("heading", ""),
                "heading_label": HEADINGS.get(o.get("heading", ""), o.get("heading", "")),
                "state_practice": o.get("state_practice", []), "alerts": 0})
            entry["alerts"] += 1
    return sorted(found.values(), key=lambda e: (-e["alerts"], e["id"]))[:5]
