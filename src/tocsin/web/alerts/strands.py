"""Warnings from the other two strands, kept in the same inbox as the event alerts:

* ``forecast_imported``: after a forecast is imported (``countries.forecasts.import_csv``),
  the countries that entered the top of the ranking or whose probability rose by the
  configured factor (``tocsin.warning.forecast_warnings``);
* ``assessment_signed``: after a new version of an assessment is signed, the risk
  factors whose level rose, and the alerts already kept that a watch point of it
  names (``tocsin.warning.assessment_warnings``);
* ``watch_points``: the watch points of the assessments in force, which every
  ``tocsin warn run`` checks its alerts against.

The alerts are stored like the others (``store.save``: an upsert on the key, so doing
it again changes nothing) and grouped into situations at once; their notices are sent
by the next ``tocsin warn run`` (or ``tocsin manage notify_subscribers``), never from a
web request.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings as django_settings
from django.db import transaction

from tocsin.errors import InputError
from tocsin.warning import assessment_warnings, forecast_warnings


def _settings():
    """The warning settings of the site's home (the defaults if its rule files are
    broken: a bad rule file must not stop an import; ``tocsin warn validate`` says
    what is wrong)."""
    from tocsin.warning.rules import load_rules_and_settings
    from tocsin.warning.settings import Settings

    try:
        return load_rules_and_settings(django_settings.HOME)[1]
    except InputError:
        return Settings()


def _keep(alerts: list) -> list[int]:
    from tocsin.web.alerts import store
    from tocsin.web.alerts.grouping import group

    if not alerts:
        return []
    with transaction.atomic():
        stored = store.save(alerts)
        group(_settings().situations, {}, notify=True)
    return stored.created


def forecast_imported(model: str, years, day: dt.date | None = None) -> list[int]:
    """Compare each imported base year's forecast of ``model`` with the latest earlier
    one and keep the alerts; the ids of the new alerts. The call to add at the end of
    ``import_csv``: ``forecast_imported(model, {o.year for o in objs})``."""
    from tocsin.web.countries.models import Forecast

    def rows(year):
        return [forecast_warnings.ForecastRow(f.country, f.year, f.probability, f.rank,
                                              list(f.drivers or []))
                for f in Forecast.objects.filter(model=model, year=year)]

    found = []
    conf = _settings().forecast
    for year in sorted(set(years)):
        earlier = (Forecast.objects.filter(model=model, year__lt=year)
                   .order_by("-year").values_list("year", flat=True).first())
        if earlier is None:
            continue
        found += forecast_warnings.compare(rows(earlier), rows(year), conf, model, day)
    return _keep(found)


def _ref(row) -> assessment_warnings.AssessmentRef:
    return assessment_warnings.AssessmentRef(row.pk, row.title, row.version, row.country,
                                             (row.document or {}).get("subnational") or "")


def _points(row) -> list[assessment_warnings.WatchPoint]:
    doc = row.document or {}
    try:
        since = dt.date.fromisoformat(str((doc.get("period") or {}).get("start")))
    except ValueError:
        since = row.created_at.date()
    out = []
    for sc in doc.get("scenarios") or []:
        for wp in sc.get("watch_points") or []:
            if wp.get("alert_rules"):
                out.append(assessment_warnings.WatchPoint(
                    _ref(row), sc.get("id", ""), sc.get("title", ""), wp.get("id", ""),
                    wp.get("text", ""), tuple(wp["alert_rules"]), since,
                    tuple(wp.get("indicators") or ()), tuple(wp.get("triggers") or ())))
    return out


def in_force():
    """The assessments in force: each country's versions that no later version revises."""
    from tocsin.web.assessments.models import Assessment

    return Assessment.objects.filter(revisions__isnull=True).order_by("country", "pk")


def watch_points() -> list[assessment_warnings.WatchPoint]:
    return [p for row in in_force() for p in _points(row)]


def _as_alert(row):
    """A kept alert as the warning strand's ``Alert`` (for the watch points)."""
    from tocsin.warning.alerts import Alert

    return Alert(key=row.key, rule=row.rule, rule_name=row.rule_name, severity=row.severity,
                 source=row.source, country=row.country, level=row.level, unit=row.unit,
                 week=row.week.isoformat(), figures=row.figures, event_ids=row.event_ids,
                 event_count=row.event_count, indicators=row.indicators,
                 triggers=row.triggers, options=row.options, baseline=row.baseline)


def assessment_signed(assessment_id: int, day: dt.date | None = None) -> list[int]:
    """After assessment ``assessment_id`` is signed: an alert per risk factor whose level
    rose since the version it revises, and the watch-point alerts of the alerts already
    kept; the ids of the new alerts. The call to add in the assessment workflow, once
    the signed ``Version`` is stored: ``transaction.on_commit(lambda:
    assessment_signed(a.pk))``."""
    from tocsin.web.alerts.models import Alert
    from tocsin.web.assessments import convert
    from tocsin.web.assessments.models import Assessment

    row = Assessment.objects.filter(pk=assessment_id).first()
    if row is None:
        return []
    conf = _settings().assessments
    found = []
    old = row.previous
    if old is not None:
        fw = convert.framework(row.framework_id)
        try:
            found += assessment_warnings.level_rises(convert.to_model(old), convert.to_model(row),
                                                     fw, _ref(row), _ref(old), conf, day)
        except InputError:
            pass  # another framework version: the levels do not line up
    points = _points(row)
    rules = {r for p in points for r in p.alert_rules}
    if rules:
        kept = [_as_alert(a) for a in Alert.objects.filter(country=row.country, rule__in=rules,
                                                           baseline=False)]
        found += assessment_warnings.watch_point_alerts(points, kept, conf)
    return _keep(found)
