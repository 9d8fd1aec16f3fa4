"""Alerts: the inbox's list and filters, one alert, its status, its comments, and
"use as evidence". Permissions are the inbox's (``tocsin.web.policy``)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Path, Query, Router

from tocsin.warning.severity import Severity
from tocsin.web import policy
from tocsin.web.api.params import ISO3, MAX_ID, NAME, checked_country
from tocsin.web.api.schemas import (
    AlertOut,
    AlertPage,
    CommentIn,
    CommentOut,
    EvidenceOut,
    Problem,
    StatusFilter,
    StatusIn,
    UseAsEvidenceIn,
)

router = Router(tags=["alerts"])


def alert_dict(a) -> dict:
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


@router.get("/alerts", response=AlertPage, url_name="alerts")
def list_alerts(request,
                country: str | None = Query(None, pattern=ISO3),
                status: StatusFilter = "open",
                severity: Severity | None = None,
                rule: str | None = Query(None, max_length=64, pattern=NAME),
                since: dt.date | None = None,
                baseline: bool = False,
                offset: int = Query(0, ge=0, le=10_000_000),
                limit: int = Query(50, ge=1, le=500)):
    """Alerts, newest week first, paged (``offset``/``limit``)."""
    from tocsin.web.alerts.filters import filtered

    params = {"status": status, "country": checked_country(country) or "",
              "severity": severity or "", "rule": rule or "",
              "baseline": "1" if baseline else ""}
    qs = filtered(params, request.user)
    if since:
        qs = qs.filter(week__gte=since)
    total = qs.count()
    return {"count": total, "offset": offset, "limit": limit,
            "items": [alert_dict(a) for a in qs[offset:offset + limit]]}


@router.get("/alerts/{alert_id}", response=AlertOut, url_name="alert")
def get_alert(request, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    return alert_dict(_alert(alert_id))


@router.post("/alerts/{alert_id}/status", response={200: AlertOut, 400: Problem, 403: Problem},
             url_name="alert_status")
def alert_status(request, payload: StatusIn, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    """Acknowledge, escalate, dismiss (with a reason) or close: the country's focal points
    and administrators, as in the inbox."""
    from tocsin.web.alerts import services

    a = _alert(alert_id)
    if not policy.can_act_on_alert(request.user, a):
        raise PermissionDenied
    services.change_status(a.pk, payload.to, payload.reason, request.user)
    return alert_dict(_alert(alert_id))


@router.get("/alerts/{alert_id}/comments", response=list[CommentOut], url_name="alert_comments")
def alert_comments(request, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    a = _alert(alert_id)
    return [{"id": n.pk, "author": n.author.get_username() if n.author else None,
             "text": n.text, "at": n.at} for n in a.notes.select_related("author")]


@router.post("/alerts/{alert_id}/comments", response={201: CommentOut, 403: Problem},
             url_name="alert_comment")
def alert_comment(request, payload: CommentIn, alert_id: int = Path(..., ge=1, le=MAX_ID)):
    from tocsin.web.alerts import services

    a = _alert(alert_id)
    if not policy.can_comment_on_alert(request.user, a):
        raise PermissionDenied
    n = services.comment(a, request.user, payload.text.strip() or "-")
    return 201, {"id": n.pk, "author": request.user.get_username(), "text": n.text, "at": n.at}


@router.post("/alerts/{alert_id}/evidence", response={201: EvidenceOut, 400: Problem,
                                                      403: Problem},
             url_name="alert_evidence")
def alert_use_as_evidence(request, payload: UseAsEvidenceIn,
                          alert_id: int = Path(..., ge=1, le=MAX_ID)):
    """Use the alert and its events as evidence for an indicator of a draft assessment
    the caller is a member of (their own entry)."""
    from tocsin.web.alerts import services

    a = _alert(alert_id)
    targets = {t.pk: t for t in policy.alert_evidence_targets(request.user, a)}
    if payload.assessment not in targets:
        raise PermissionDenied
    url = request.build_absolute_uri(reverse("alerts:detail", args=[a.pk]))
    ev = services.use_as_evidence(a, targets[payload.assessment], payload.indicator,
                                  request.user, url, payload.sensitive)
    return 201, {"id": ev.pk, "assessment": payload.assessment, "kind": "indicator",
                 "item": ev.rating.item, "data": ev.data}
