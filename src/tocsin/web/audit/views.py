"""The audit log for administrators: who changed what, when, field by field in words,
paged and filtered by person, object and date; and its CSV. Secrets are never shown
nor exported (``describe.redacted``), whatever an older row holds."""

from __future__ import annotations

import csv
import datetime as dt
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tocsin.csvcells import safe
from tocsin.web import policy
from tocsin.web.audit import describe
from tocsin.web.audit.models import ACTIONS, AuditEvent

PER_PAGE = 50
COLUMNS = ["id", "at", "actor", "action", "object_type", "object_id", "assessment_id",
           "country", "address", "object", "changes", "before", "after"]


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text and text.strip() else None
    except ValueError:
        return None


def _filtered(request):
    if not policy.can_read_audit_log(request.user):
        raise PermissionDenied
    q = AuditEvent.objects.all()
    g = request.GET
    if any("\x00" in v for v in g.values()):
        # No stored text holds a NUL byte, and PostgreSQL refuses one in a query.
        return q.none()
    for field in ("action", "object_type", "country"):
        value = g.get(field, "").strip()
        if value:
            q = q.filter(**{field: value[:50]})
    actor = g.get("actor", "").strip()
    if actor:
        q = q.filter(actor_name=actor[:150])
    object_id = g.get("object_id", "").strip()
    if object_id:
        q = q.filter(object_id=object_id[:64])
    assessment = g.get("assessment", "").strip()
    if assessment.isdigit():
        # A number no row can have (beyond a 64-bit id) matches nothing, not an error.
        number = int(assessment[:20])
        q = q.filter(assessment_id=number) if number < 2**63 else q.none()
    since, until = _date(g.get("from", "")), _date(g.get("to", ""))
    tz = timezone.get_current_timezone()
    # The first and last days a calendar has are no bound (a day more or less, or the
    # shift to UTC, would be out of range).
    if since and since > dt.date.min + dt.timedelta(days=1):
        q = q.filter(at__gte=dt.datetime.combine(since, dt.time.min, tz))
    if until and until < dt.date.max - dt.timedelta(days=1):
        q = q.filter(at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tz))
    return q


@login_required
@require_GET
def log(request):
    q = _filtered(request)
    page = Paginator(q, PER_PAGE).get_page(request.GET.get("page"))
    events = list(page.object_list)
    users = describe.user_names(events)
    rows = [{"e": e, "object": describe.object_text(e), "changes": describe.changes(e, users),
             # The assessment link, unless the event is about the assessment itself.
             "in_assessment": e.assessment_id is not None and not (
                 e.object_type.startswith("assessment") and e.object_id == str(e.assessment_id))}
            for e in events]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "audit/log.html", {
        "page": page, "rows": rows, "filters": request.GET, "query": params.urlencode(),
        "actions": list(ACTIONS.items()),
        "people": list(AuditEvent.objects.order_by("actor_name").values_list(
            "actor_name", flat=True).distinct()[:500]),
        "types": [(t, describe.OBJECT_NAMES.get(t, t)) for t in AuditEvent.objects.order_by(
            "object_type").values_list("object_type", flat=True).distinct()],
    })


def _cell(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    # A spreadsheet would run a cell starting with =, +, -, @ or a control character as
    # a formula: the one rule of every CSV Tocsin writes.
    return safe(text)


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def export(request):
    q = _filtered(request).order_by("at", "id")
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(COLUMNS)
        for chunk in _chunks(q.iterator(chunk_size=500), 500):
            users = describe.user_names(chunk)
            for e in chunk:
                yield writer.writerow([_cell(v) for v in (
                    str(e.pk), e.at.isoformat(), e.actor_name, e.action, e.object_type,
                    e.object_id, "" if e.assessment_id is None else str(e.assessment_id),
                    e.country, e.address or "", describe.object_text(e),
                    "; ".join(str(c) for c in describe.changes(e, users)),
                    describe.redacted(e.before), describe.redacted(e.after))])

    resp = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="tocsin-audit.csv"'
    resp["Cache-Control"] = "private, no-store"
    return resp


def _chunks(iterable, n):
    chunk = []
    for x in iterable:
        chunk.append(x)
        if len(chunk) == n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
