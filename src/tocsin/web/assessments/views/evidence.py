"""Evidence on the rating page: adding it (with an optional document), downloading its
document, removing it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tocsin.web import policy
from tocsin.web.assessments import convert, evidence
from tocsin.web.assessments.forms import EvidenceForm
from tocsin.web.assessments.models import Evidence
from tocsin.web.assessments.views.rating import (
    contributable_item,
    item_context,
    item_url,
    respond_item,
)


@login_required
@require_POST
def add_evidence(request, pk, kind, item_id):
    a, entry, item, title = contributable_item(request, pk, kind, item_id)
    form = EvidenceForm(request.POST, request.FILES, prefix=f"ev-{kind}-{item_id}")
    data = None
    if form.is_valid():
        try:
            data = form.evidence()
        except Exception as exc:
            form.add_error(None, str(exc))
    if data is None:
        ctx = item_context(request, a, entry, kind, item_id, item, title, ev_form=form)
        return respond_item(request, a, ctx, status=400)
    evidence.add(entry, kind, item_id, data, request.user,
                 document=form.cleaned_data.get("document"),
                 content_type=getattr(form, "content_type", ""))
    ctx = item_context(request, a, entry, kind, item_id, item, title)
    ctx["saved"] = True
    return respond_item(request, a, ctx)


def _visible_evidence(request, pk) -> Evidence:
    ev = get_object_or_404(Evidence.objects.select_related("rating__entry__assessment"), pk=pk)
    if not policy.can_see_evidence(request.user, ev):
        raise Http404
    return ev


@login_required
@require_GET
def evidence_file(request, pk):
    ev = _visible_evidence(request, pk)
    if not ev.document:
        raise Http404
    resp = FileResponse(ev.document.open("rb"), as_attachment=True,
                        filename=ev.filename or f"evidence-{ev.pk}")
    # The type recorded at upload, from the allow-list; never guessed from the name.
    resp["Content-Type"] = ev.content_type or "application/octet-stream"
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, no-store"
    return resp


@login_required
@require_POST
def evidence_delete(request, pk):
    ev = _visible_evidence(request, pk)
    if not policy.can_change_evidence(request.user, ev):
        raise PermissionDenied
    a = ev.assessment
    fw = convert.framework(a.framework_id)
    kind, item_id = ev.rating.kind, ev.rating.item
    evidence.remove(ev)
    try:
        _id, item, _title = evidence.item_of(fw, kind, item_id)
    except KeyError:
        raise Http404 from None
    messages.success(request, _("Evidence removed."))
    return redirect(item_url(a, kind, item_id, item))
