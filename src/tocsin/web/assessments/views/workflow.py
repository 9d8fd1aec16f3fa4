"""An assessment's life, in its owners' hands: the status steps (to review, back to
draft, sign-off), a revision of a signed assessment, deleting a draft."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tocsin.assessment import workflow
from tocsin.web.assessments import convert
from tocsin.web.assessments.models import Assessment, Evidence, Version
from tocsin.web.assessments.views.common import assessment_for


@login_required
@require_POST
def status(request, pk):
    from tocsin.assessment.io import dump_assessment

    a = assessment_for(request, pk, need="manage")
    action = request.POST.get("action", "")
    if workflow.after(a.status, action) is None:
        messages.error(request, _("That step is not possible from here."))
        return redirect("assessments:detail", pk=a.pk)
    with transaction.atomic():
        a = Assessment.objects.select_for_update().get(pk=a.pk)
        to = workflow.after(a.status, action)
        if to is None:
            raise PermissionDenied
        a.status = to
        if a.status == workflow.SIGNED:
            a.document = {**a.document, "status": workflow.SIGNED}
        a.save()
        if a.status == workflow.SIGNED:
            text = dump_assessment(convert.to_model(a))
            Version.objects.create(assessment=a, number=a.version, text=text,
                                   sha256=hashlib.sha256(text.encode()).hexdigest(),
                                   signed_by=request.user)
    messages.success(request, _("The assessment is now %(status)s.")
                     % {"status": a.get_status_display().lower()})
    return redirect("assessments:detail", pk=a.pk)


@login_required
@require_POST
def revise(request, pk):
    """A final assessment stays as signed; a revision is a new draft copied from it."""
    a = assessment_for(request, pk, need="manage")
    if a.status != workflow.SIGNED:
        messages.error(request, _("Only a final assessment can be revised."))
        return redirect("assessments:detail", pk=a.pk)
    if a.revisions.exists():
        messages.error(request, _("This version has a revision already."))
        return redirect("assessments:detail", pk=a.revisions.first().pk)
    model = convert.to_model(a).model_copy(update={"status": workflow.EDITABLE,
                                                   "date": dt.date.today()})
    # What the file does not hold is carried row by row: each item's document (copied,
    # so that the draft can be deleted without touching the signed version's files), its
    # file name and type, and who added it (which decides who sees sensitive items).
    carry: dict[tuple, list[Evidence]] = {}
    for ev in (Evidence.objects.filter(rating__entry__assessment=a)
               .select_related("rating__entry").order_by("position", "id")):
        carry.setdefault((ev.rating.entry.key, ev.rating.kind, ev.rating.item), []).append(ev)
    with transaction.atomic():
        new = convert.from_model(model, created_by=request.user, status=workflow.EDITABLE,
                                 version=a.version + 1, previous=a, carry=carry)
        for old in a.assessors.exclude(user=None):
            new.assessors.filter(key=old.key).update(user=old.user, role=old.role)
    messages.success(request, _("Version %(n)d started as a draft.") % {"n": new.version})
    return redirect("assessments:detail", pk=new.pk)


@login_required
@require_POST
def delete(request, pk):
    a = assessment_for(request, pk, need="manage")
    if a.status != workflow.EDITABLE or a.revisions.exists() or a.versions.exists():
        messages.error(request, _("Only a draft that was never signed can be deleted."))
        return redirect("assessments:detail", pk=a.pk)
    with transaction.atomic():
        files = [(ev.document.storage, ev.document.name) for ev in
                 Evidence.objects.filter(rating__entry__assessment=a).exclude(document="")]
        a.delete()
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])
    messages.success(request, _("Draft deleted."))
    return redirect("assessments:home")
