from __future__ import annotations

import csv
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tocsin.web import policy
from tocsin.web.audit.models import ACTIONS, AuditEvent

COLUMNS = ["id", "at", "actor", "action", "object_type", "object_id", "assessment_id",
           "country", "address", "before", "after"]


def _filtered(request):
    if not policy.is_admin(request.user):
        raise PermissionDenied
    q = AuditEvent.objects.all()
    for field in ("action", "object_type", "country"):
        value = request.GET.get(field, "").strip()
        if value:
            q = q.filter(**{field: value[:50]})
    actor = request.GET.get("actor", "").strip()
    if actor:
        q = q.filter(actor_name=actor[:150])
    return q


@login_required
@require_GET
def log(request):
    q = _filtered(request)
    page = Paginator(q, 100).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"page": page, "filters": request.GET,
                                              "actions": list(ACTIONS.items())})


def _cell(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    # A spreadsheet would run a cell starting with these as a formula.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


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
        for e in q.iterator():
            yield writer.writerow([_cell(v) for v in (
                str(e.pk), e.at.isoformat(), e.actor_name, e.action, e.object_type,
                e.object_id, "" if e.assessment_id is None else str(e.assessment_id),
                e.country, e.address or "", e.before, e.after)])

    resp = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="tocsin-audit.csv"'
    return resp
