"""What people do with an alert: move it through its lifecycle, assign it, comment on
it, use it as evidence. Each asks ``policy`` first; refused is 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tocsin.errors import InputError
from tocsin.web import policy
from tocsin.web.alerts import services
from tocsin.web.alerts.models import STATUSES, Alert, Assignment


def _alert_for(request, pk, allowed):
    alert = get_object_or_404(Alert, pk=pk)
    if not allowed(request.user, alert):
        raise PermissionDenied
    return alert


@login_required
@require_POST
def status(request, pk):
    alert = _alert_for(request, pk, policy.can_act_on_alert)
    to = request.POST.get("to", "")
    try:
        services.change_status(alert.pk, to, request.POST.get("reason", ""), request.user)
    except InputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Alert #%(id)s is now %(status)s.")
                         % {"id": alert.pk, "status": STATUSES.get(to, to)})
    return redirect("alerts:detail", pk=alert.pk)


@login_required
@require_POST
def assign(request, pk):
    from tocsin.web.audit.log import record

    alert = _alert_for(request, pk, policy.can_act_on_alert)
    who = request.POST.get("user", "")
    if who == "":
        Assignment.objects.filter(alert=alert).delete()
        record("unassign", alert, None, None, object_type="alert")
        messages.success(request, _("Unassigned."))
        return redirect("alerts:detail", pk=alert.pk)
    user = policy.alert_assignees(alert).filter(pk=who if who.isdigit() else -1).first()
    if user is None:
        messages.error(request, _("That person has no role in %(country)s.")
                       % {"country": alert.country})
        return redirect("alerts:detail", pk=alert.pk)
    Assignment.objects.update_or_create(alert=alert, defaults={
        "assignee": user, "assigned_by": request.user})
    record("assign", alert, None, {"assignee": user.get_username()}, object_type="alert")
    messages.success(request, _("Assigned to %(user)s.") % {"user": user.get_username()})
    return redirect("alerts:detail", pk=alert.pk)


@login_required
@require_POST
def comment(request, pk):
    alert = _alert_for(request, pk, policy.can_comment_on_alert)
    text = request.POST.get("text", "").strip()[:4000]
    if not text:
        messages.error(request, _("A comment needs some text."))
    else:
        services.comment(alert, request.user, text)
    return redirect("alerts:detail", pk=alert.pk)


@login_required
@require_POST
def use_as_evidence(request, pk):
    from tocsin.web.assessments.models import Assessment

    alert = get_object_or_404(Alert, pk=pk)
    a_id = request.POST.get("assessment", "")
    assessment = Assessment.objects.filter(pk=a_id if a_id.isdigit() else -1).first()
    if not policy.can_use_as_evidence(request.user, alert, assessment):
        raise PermissionDenied
    url = request.build_absolute_uri(reverse("alerts:detail", args=[alert.pk]))
    try:
        services.use_as_evidence(alert, assessment, request.POST.get("indicator", "").strip(),
                                 request.user, url,
                                 sensitive=request.POST.get("sensitive") == "on")
    except InputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Alert #%(id)s added as evidence to %(title)s.")
                         % {"id": alert.pk, "title": assessment.title})
    return redirect("alerts:detail", pk=alert.pk)
