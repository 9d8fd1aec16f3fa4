"""The REST API (django-ninja): countries, forecasts, alerts, assessments, events,
and bulk export, under ``/api/v1/``; the OpenAPI schema at ``/api/v1/openapi.json``.

Authentication: ``Authorization: Bearer <token>`` (tokens from the "API tokens"
page) or the site's session. Permissions are the pages' own functions
(``tocsin.web.policy``, ``inbox.views.may_act``/``may_comment``), so the API can
never show or change more than the site. Sensitive evidence is in an assessment's
document and its export only for the assessment's owners (focal points).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import NinjaAPI, Path, Query, Router
from ninja.security import HttpBearer, django_auth

from tocsin.errors import InputError
from tocsin.web import policy
from tocsin.web.api.models import ApiToken
from tocsin.web.api.schemas import (
    AlertOut,
    AlertPage,
    AssessmentDetail,
    AssessmentOut,
    CommentIn,
    CommentOut,
    CountryOut,
    EventPage,
    EvidenceIn,
    EvidenceOut,
    ForecastOut,
    Problem,
    StatusIn,
    UseAsEvidenceIn,
)

MAX_ID = 2**53  # larger ids cannot exist; refusing them keeps the database out of it
ISO3 = r"^[A-Za-z]{3}$"


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = ApiToken.user_for(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Tocsin API", version="1",
    description="Country risk, forecasts, alerts, assessments and events of a Tocsin site. "
                "Same permissions as the site's pages. See docs/api.md.",
    auth=[TokenAuth(), django_auth], urls_namespace="api", docs_url=None,
)


@api.exception_handler(InputError)
def _input_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(PermissionDenied)
def _denied(request, exc):
    return api.create_response(request, {"detail": "not permitted"}, status=403)


@api.exception_handler(Http404)
def _missing(request, exc):
    return api.create_response(request, {"detail": "not found"}, status=404)


# --- countries and forecasts ------------------------------------------------------------------

countries = Router(tags=["countries"])


def _country_rows():
    from tocsin.web.countries import data

    forecasts = data.latest_forecasts()
    alerts = data.alert_summary()
    names = data.country_names()
    out = []
    for iso in sorted(set(forecasts) | set(alerts)):
        f, a = forecasts.get(iso), alerts.get(iso, {})
        out.append({"country": iso, "name": names.get(iso, (f.name if f else "") or iso),
                    "probability": f.probability if f else None, "year": f.year if f else None,
                    "rank": f.rank if f else None, "alerts": a.get("alerts", 0),
                    "open_alerts": a.get("open", 0), "top_open_severity": a.get("top", "")})
    out.sort(key=lambda r: (r["probability"] is None, -(r["probability"] or 0), r["country"]))
    return out


@countries.get("/countries", response=list[CountryOut], url_name="countries")
def list_countries(request):
    """Every country with a forecast or an alert, ranked by the latest forecast."""
    return _country_rows()


@countries.get("/countries/{iso3}", response={200: CountryOut, 404: Problem},
               url_name="country")
def get_country(request, iso3: str = Path(..., pattern=ISO3)):
    iso3 = iso3.upper()
    for row in _country_rows():
        if row["country"] == iso3:
            return row
    return 404, {"detail": "no forecast or alert for this country"}


def _forecast_dict(f):
    return {"country": f.country, "year": f.year, "probability": f.probability, "rank": f.rank,
            "drivers": f.drivers, "model": f.model, "source_file": f.source_file}


@countries.get("/forecasts", response=list[ForecastOut], url_name="forecasts")
def list_forecasts(request, country: str | None = Query(None, pattern=ISO3),
                   year: int | None = Query(None, ge=1900, le=2200)):
    """Forecasts as imported (one row per country, year and model)."""
    from tocsin.web.countries.models import Forecast

    qs = Forecast.objects.order_by("-year", "-probability", "country")
    if country:
        qs = qs.filter(country=country.upper())
    if year:
        qs = qs.filter(year=year)
    return [_forecast_dict(f) for f in qs]


api.add_router("/", countries)

# --- alerts -------------------------------------------------------------------------------------

alerts = Router(tags=["alerts"])


def _alert_dict(a):
    assignment = getattr(a, "assignment", None) if hasattr(a, "assignment") else None
    return {"id": a.pk, "key": a.key, "rule": a.rule, "rule_name": a.rule_name,
            "severity": a.severity, "baseline": a.baseline, "status": a.status,
            "reason": a.reason, "source": a.source, "country": a.country, "level": a.level,
            "unit": a.unit, "week": a.week, "figures": a.figures, "event_count": a.event_count,
            "event_ids": a.event_ids, "indicators": a.indicators, "triggers": a.triggers,
            "assignee": assignment.assignee.get_username() if assignment else None}


def _alert(pk):
    from tocsin.web.alerts.models import Alert

    return get_object_or_404(Alert.objects.select_related("assignment__assignee"), pk=pk)


@alerts.get("/alerts", response=AlertPage, url_name="alerts")
def list_alerts(request,
                country: str | None = Query(None, pattern=ISO3),
                status: Literal["open", "all", "new", "acknowledged", "dismissed", "escalated",
                                "closed"] = "open",
                severity: Literal["low", "medium", "high", "critical"] | None = None,
                rule: str | None = Query(None, max_length=64, pattern=r"^[\w.-]+$"),
                since: dt.date | None = None,
                baseline: bool = False,
                offset: int = Query(0, ge=0, le=10_000_000),
                limit: int = Query(50, ge=1, le=500)):
    """Alerts, newest week first, paged (``offset``/``limit``)."""
    from tocsin.web.alerts.views import filtered

    params = {"status": status, "country": country or "", "severity": severity or "",
              "rule": rule or "", "baseline": "1" if baseline else ""}
    qs = filtered(params, request.user)
    if since:
        qs = qs.filter(week__gte=since)
    total = qs.count()
    return {"count": total, "offset": offset, "limit": limit,
            "items": [_alert_dict(a) for a in qs[offset:offset + limit]]}


@alerts.get("/alerts/{alert_id}", response=AlertOut, url_name="alert")
def get_alert(request, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    return _alert_dict(_alert(alert_id))


@alerts.post("/alerts/{alert_id}/status", response={200: AlertOut, 400: Problem, 403: Problem},
             url_name="alert_status")
def alert_status(request, payload: StatusIn, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    """Acknowledge, escalate, dismiss (with a reason) or close: the country's focal points
    and administrators, as in the inbox."""
    from tocsin.web.alerts import services
    from tocsin.web.alerts.views import may_act

    a = _alert(alert_id)
    if not may_act(request.user, a):
        raise PermissionDenied
    services.change_status(a.pk, payload.to, payload.reason, request.user)
    return _alert_dict(_alert(alert_id))


@alerts.get("/alerts/{alert_id}/comments", response=list[CommentOut], url_name="alert_comments")
def alert_comments(request, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    a = _alert(alert_id)
    return [{"id": n.pk, "author": n.author.get_username() if n.author else None,
             "text": n.text, "at": n.at} for n in a.notes.select_related("author")]


@alerts.post("/alerts/{alert_id}/comments", response={201: CommentOut, 403: Problem},
             url_name="alert_comment")
def alert_comment(request, payload: CommentIn, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    from tocsin.web.alerts.models import Note
    from tocsin.web.alerts.views import may_comment
    from tocsin.web.audit.log import record

    a = _alert(alert_id)
    if not may_comment(request.user, a):
        raise PermissionDenied
    n = Note.objects.create(alert=a, author=request.user, text=payload.text.strip() or "-")
    record("comment", a, None, {"note": n.pk}, object_type="alert")
    return 201, {"id": n.pk, "author": request.user.get_username(), "text": n.text, "at": n.at}


@alerts.post("/alerts/{alert_id}/evidence", response={201: EvidenceOut, 400: Problem,
                                                      403: Problem},
             url_name="alert_evidence")
def alert_use_as_evidence(request, payload: UseAsEvidenceIn,
                          alert_id: int = Path(..., ge=1, le=MAX_ID)):
    """Use the alert and its events as evidence for an indicator of a draft assessment
    the caller is a member of (their own entry)."""
    from tocsin.web.alerts import services
    from tocsin.web.alerts.views import evidence_targets

    a = _alert(alert_id)
    targets = {t.pk: t for t in evidence_targets(request.user, a)}
    if payload.assessment not in targets:
        raise PermissionDenied
    url = request.build_absolute_uri(reverse("alerts:detail", args=[a.pk]))
    ev = services.use_as_evidence(a, targets[payload.assessment], payload.indicator,
                                  request.user, url, payload.sensitive)
    return 201, {"id": ev.pk, "assessment": payload.assessment, "kind": "indicator",
                 "item": payload.indicator, "data": ev.data}


api.add_router("/", alerts)

# --- assessments --------------------------------------------------------------------------------

assessments = Router(tags=["assessments"])


def _assessment_dict(a):
    from tocsin.web.countries.data import assessment_level

    lv = assessment_level(a)
    return {"id": a.pk, "country": a.country, "title": a.title, "framework": a.framework_id,
            "status": a.status, "version": a.version, "level": lv["level"],
            "score": lv["score"], "provisional": lv["provisional"], "updated_at": a.updated_at}


def _visible(request, pk):
    from tocsin.web.assessments.models import Assessment

    a = Assessment.objects.filter(pk=pk).first()
    if a is None or not policy.can_view(request.user, a):
        raise Http404  # as the pages: another country's assessment does not exist for you
    return a


def _document(user, a) -> tuple[dict, bool]:
    from tocsin.web.assessments import convert

    owner = policy.is_owner(user, a)
    return convert.to_model(a, include_sensitive=owner).model_dump(mode="json"), owner


@assessments.get("/assessments", response=list[AssessmentOut], url_name="assessments")
def list_assessments(request, country: str | None = Query(None, pattern=ISO3)):
    """The assessments the caller may read."""
    qs = policy.visible_assessments(request.user).order_by("country", "-version", "id")
    if country:
        qs = qs.filter(country=country.upper())
    return [_assessment_dict(a) for a in qs]


@assessments.get("/assessments/{assessment_id}", response=AssessmentDetail,
                 url_name="assessment")
def get_assessment(request, assessment_id: int = Path(..., ge=1, le=MAX_ID)):
    """One assessment with its document (the assessment file as JSON). Sensitive evidence
    is included only for the assessment's owners."""
    a = _visible(request, assessment_id)
    doc, owner = _document(request.user, a)
    return {**_assessment_dict(a), "sensitive_evidence_included": owner, "document": doc}


@assessments.post("/assessments/{assessment_id}/indicators/{indicator}/evidence",
                  response={201: EvidenceOut, 400: Problem, 403: Problem},
                  url_name="assessment_evidence")
def add_evidence(request, payload: EvidenceIn, assessment_id: int = Path(..., ge=1, le=MAX_ID),
                 indicator: str = Path(..., max_length=64)):
    """Add evidence to an indicator in the caller's own entry (members of a draft
    assessment, as the assessment page's "add evidence")."""
    from django.db import transaction

    from tocsin.assessment.model import Evidence as EvidenceModel
    from tocsin.web.assessments import convert
    from tocsin.web.assessments.models import Evidence, Rating

    a = _visible(request, assessment_id)
    entry = policy.entry_for(request.user, a)
    if not policy.can_contribute(request.user, a, entry):
        raise PermissionDenied
    if indicator not in convert.framework(a.framework_id).indicators:
        return 400, {"detail": f"no indicator {indicator!r} in {a.framework_id}"}
    try:
        data = EvidenceModel(**payload.dict()).model_dump(mode="json", exclude_none=True)
    except ValueError as exc:
        return 400, {"detail": str(exc)}
    with transaction.atomic():
        rating, _ = Rating.objects.get_or_create(
            entry=entry, kind="indicator", item=indicator,
            defaults={"data": convert.rating_model("indicator", {}).model_dump(
                mode="json", exclude={"evidence"}, exclude_none=True),
                "position": entry.ratings.filter(kind="indicator").count()})
        ev = Evidence.objects.create(rating=rating, data=data, added_by=request.user,
                                     position=rating.evidence.count())
    return 201, {"id": ev.pk, "assessment": a.pk, "kind": "indicator", "item": indicator,
                 "data": ev.data}


api.add_router("/", assessments)

# --- events -------------------------------------------------------------------------------------

events = Router(tags=["events"])


@events.get("/events", response=EventPage, url_name="events")
def list_events(request, country: str | None = Query(None, pattern=ISO3),
                source: str | None = Query(None, max_length=40, pattern=r"^[\w.-]+$"),
                event_class: str | None = Query(None, max_length=60, pattern=r"^[\w.-]+$"),
                date_from: dt.date | None = Query(None, alias="from"),
                date_to: dt.date | None = Query(None, alias="to"),
                offset: int = Query(0, ge=0, le=100_000_000),
                limit: int = Query(100, ge=1, le=1000)):
    """Events from the store's published snapshot, newest first, paged."""
    from tocsin.web.countries import data

    total, rows = data.events(country.upper() if country else None, source, event_class,
                              date_from, date_to, offset=offset, limit=limit)
    return {"count": total, "offset": offset, "limit": limit, "items": rows}


api.add_router("/", events)

# --- bulk export --------------------------------------------------------------------------------

export = Router(tags=["export"])
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
            w.writerow({k: (json.dumps(v, default=str) if isinstance(v, (dict, list)) else v)
                        for k, v in r.items()})
        resp = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="tocsin-{name}.{fmt}"'
    resp["Cache-Control"] = "private, no-store"
    return resp


@export.get("/export/forecasts", url_name="export_forecasts", openapi_extra=EXPORT_DOC)
def export_forecasts(request, format: Literal["csv", "json"] = "csv"):
    from tocsin.web.countries.models import Forecast

    rows = [_forecast_dict(f) for f in Forecast.objects.order_by("-year", "-probability")]
    return _file(rows, format, "forecasts")


@export.get("/export/alerts", url_name="export_alerts", openapi_extra=EXPORT_DOC)
def export_alerts(request, format: Literal["csv", "json"] = "csv",
                  country: str | None = Query(None, pattern=ISO3)):
    from tocsin.web.alerts.models import Alert

    qs = Alert.objects.select_related("assignment__assignee").order_by("-week", "id")
    if country:
        qs = qs.filter(country=country.upper())
    return _file([_alert_dict(a) for a in qs], format, "alerts")


@export.get("/export/evidence", url_name="export_evidence", openapi_extra=EXPORT_DOC)
def export_evidence(request, format: Literal["csv", "json"] = "csv",
                    country: str | None = Query(None, pattern=ISO3)):
    """Every evidence item of the assessments the caller may read, except sensitive
    items the caller may not see (the same rule as the pages)."""
    from tocsin.web.assessments.models import Evidence

    visible = policy.visible_assessments(request.user)
    if country:
        visible = visible.filter(country=country.upper())
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


@export.get("/export/events", url_name="export_events", openapi_extra=EXPORT_DOC)
def export_events(request, country: str = Query(..., pattern=ISO3),
                  format: Literal["csv", "json"] = "csv",
                  date_from: dt.date | None = Query(None, alias="from"),
                  date_to: dt.date | None = Query(None, alias="to")):
    """One country's events (streamed; a country is required so an export stays bounded
    by a country's history, not the whole store)."""
    from tocsin.web.countries import data

    country = country.upper()
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
                w.writerows(rows)
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


api.add_router("/", export)
