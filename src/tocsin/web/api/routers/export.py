"""Bulk export, CSV or JSON: forecasts, alerts, the evidence the caller may see, and
one country's events (streamed). In CSV every text cell that a spreadsheet would run as
a formula (``=HYPERLINK(...)``, ``@SUM(...)``) starts with an apostrophe
(``tocsin.csvcells``): evidence, alert and event texts come from other people."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Literal

from django.http import HttpResponse, StreamingHttpResponse
from ninja import Query, Router

from tocsin.csvcells import safe, safe_row
from tocsin.web import policy
from tocsin.web.api.params import ISO3, checked_country
from tocsin.web.api.routers.alerts import alert_dict
from tocsin.web.api.routers.countries import forecast_dict

router = Router(tags=["export"])
EXPORT_DOC = {"responses": {200: {"description": "the file", "content": {
    "text/csv": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}}}


def _file(rows: list[dict], fmt: str, name: str):
    if fmt == "json":
        resp = HttpResponse(json.dumps(rows, default=str, indent=1),
                            content_type="application/json")
    else:
        buf = io.StringIO()
        cols = list(rows[0]) if rows else []
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: safe(json.dumps(v, default=str) if isinstance(v, (dict, list))
                                else v)
                        for k, v in r.items()})
        resp = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="tocsin-{name}.{fmt}"'
    resp["Cache-Control"] = "private, no-store"
    return resp


@router.get("/export/forecasts", url_name="export_forecasts", openapi_extra=EXPORT_DOC)
def export_forecasts(request, format: Literal["csv", "json"] = "csv"):
    from tocsin.web.countries.models import Forecast

    rows = [forecast_dict(f) for f in Forecast.objects.order_by("-year", "-probability")]
    return _file(rows, format, "forecasts")


@router.get("/export/alerts", url_name="export_alerts", openapi_extra=EXPORT_DOC)
def export_alerts(request, format: Literal["csv", "json"] = "csv",
                  country: str | None = Query(None, pattern=ISO3)):
    from tocsin.web.alerts.models import Alert

    qs = Alert.objects.select_related("assignment__assignee").order_by("-week", "id")
    if country:
        qs = qs.filter(country=checked_country(country))
    return _file([alert_dict(a) for a in qs], format, "alerts")


@router.get("/export/evidence", url_name="export_evidence", openapi_extra=EXPORT_DOC)
def export_evidence(request, format: Literal["csv", "json"] = "csv",
                    country: str | None = Query(None, pattern=ISO3)):
    """Every evidence item of the assessments the caller may read, except sensitive
    items the caller may not see (the same rule as the pages)."""
    from tocsin.web.assessments.models import Evidence

    visible = policy.visible_assessments(request.user)
    if country:
        visible = visible.filter(country=checked_country(country))
    rows = []
    for ev in (Evidence.objects.filter(rating__entry__assessment__in=visible)
               .select_related("rating__entry__assessment").order_by("id")):
        if not policy.can_see_evidence(request.user, ev):
            continue
        a = ev.rating.entry.assessment
        rows.append({"evidence_id": ev.pk, "assessment": a.pk, "country": a.country,
                     "assessor": ev.rating.entry.key, "kind": ev.rating.kind,
                     "item": ev.rating.item, **{k: ev.data.get(k) for k in (
                         "text", "url", "date", "event_id", "sensitive")},
                     "alert": getattr(getattr(ev, "alert_link", None), "alert_id", None)})
    return _file(rows, format, "evidence")


@router.get("/export/events", url_name="export_events", openapi_extra=EXPORT_DOC)
def export_events(request, country: str = Query(..., pattern=ISO3),
                  format: Literal["csv", "json"] = "csv",
                  date_from: dt.date | None = Query(None, alias="from"),
                  date_to: dt.date | None = Query(None, alias="to")):
    """One country's events (streamed; a country is required so an export stays bounded
    by a country's history, not the whole store)."""
    from tocsin.web.countries import data

    country = checked_country(country)
    page = 5000

    def chunks():
        offset, first = 0, True
        if format == "json":
            yield "["
        while True:
            _total, rows = data.events(country, None, None, date_from, date_to,
                                       offset=offset, limit=page)
            if not rows:
                break
            if format == "json":
                for r in rows:
                    yield ("" if first else ",\n") + json.dumps(r, default=str)
                    first = False
            else:
                buf = io.StringIO()
                w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
                if first:
                    w.writeheader()
                    first = False
                w.writerows(safe_row(r) for r in rows)
                yield buf.getvalue()
            offset += page
            if len(rows) < page:
                break
        if format == "json":
            yield "]\n"

    resp = StreamingHttpResponse(chunks(), content_type="application/json" if format == "json"
                                 else "text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="tocsin-events-{country}.{format}"'
    resp["Cache-Control"] = "private, no-store"
    return resp
