"""The alerts inbox: filter alerts, act on them, see their events, use them as evidence.

Who may do what (``may_act`` / ``may_comment`` below, checked by every view and
by the API):
- read the inbox and an alert: any signed-in user (alerts come from public data);
- acknowledge, escalate, dismiss, close, assign: administrators and the focal
  points of the alert's country;
- comment: those, and anyone with a role in that country (viewer, or member of
  one of its assessments);
- use as evidence: a member of a draft assessment of that country, into their
  own entry (as the assessment page's "add evidence").
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tocsin.errors import InputError
from tocsin.warning.lifecycle import MOVES, OPEN_STATUSES
from tocsin.web import policy
from tocsin.web.accounts.models import CountryRole
from tocsin.web.alerts import services
from tocsin.web.alerts.models import (
    SEVERITIES,
    STATUSES,
    Alert,
    Assignment,
    EvidenceLink,
    Note,
    Subscription,
)
from tocsin.web.countries import data

ACTIONS = {"acknowledged": gettext_lazy("Acknowledge"), "escalated": gettext_lazy("Escalate"),
           "dismissed": gettext_lazy("Dismiss"), "closed": gettext_lazy("Close")}


def may_act(user, alert) -> bool:
    return policy.is_admin(user) or policy.is_focal_point(user, alert.country)


def may_comment(user, alert) -> bool:
    if may_act(user, alert):
        return True
    if not user.is_authenticated:
        return False
    return (CountryRole.objects.filter(user=user, country=alert.country).exists()
            or user.assessor_entries.filter(assessment__country=alert.country).exists())


def evidence_targets(user, alert):
    """Draft assessments of the alert's country into which the user may add evidence."""
    from tocsin.web.assessments.models import Assessment

    if not user.is_authenticated:
        return []
    qs = Assessment.objects.filter(country=alert.country, status="draft",
                                   assessors__user=user).distinct()
    return [a for a in qs if policy.can_contribute(user, a)]


def assignable_users(alert):
    User = get_user_model()
    return (User.objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(country_roles__country=alert.country)
                    | Q(assessor_entries__assessment__country=alert.country))
            .distinct().order_by("username"))


def filtered(params, user):
    qs = Alert.objects.all().select_related("assignment__assignee")
    status = params.get("status", "open")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in STATUSES:
        qs = qs.filter(status=status)
    if params.get("country"):
        qs = qs.filter(country=params["country"].strip().upper()[:3])
    if params.get("severity") in SEVERITIES:
        qs = qs.filter(severity=params["severity"])
    if params.get("rule"):
        qs = qs.filter(rule=params["rule"][:64])
    if params.get("assigned") == "me" and user.is_authenticated:
        qs = qs.filter(assignment__assignee=user)
    if params.get("baseline") != "1":
        qs = qs.filter(baseline=False)
    return qs.order_by("-week", "country", "rule", "id")


@login_required
@require_GET
def inbox(request):
    qs = filtered(request.GET, request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "alerts/list.html", {
        "page": page, "statuses": STATUSES, "severities": SEVERITIES, "f": request.GET,
        "query": params.urlencode(),
        "rules": sorted(set(Alert.objects.values_list("rule", flat=True))),
    })


@login_required
@require_GET
def detail(request, pk):
    alert = get_object_or_404(Alert, pk=pk)
    total, events = data.events(uids=list(alert.event_ids[:500]), limit=100)
    links = []
    for link in EvidenceLink.objects.filter(alert=alert).select_related(
            "evidence__rating__entry__assessment"):
        if policy.can_see_evidence(request.user, link.evidence):
            links.append(link)
    targets = evidence_targets(request.user, alert)
    return render(request, "alerts/detail.html", {
        "alert": alert, "events": events, "events_total": total,
        "changes": alert.changes.all(), "notes": alert.notes.select_related("author"),
        "assignment": Assignment.objects.filter(alert=alert).select_related("assignee").first(),
        "may_act": may_act(request.user, alert),
        "may_comment": may_comment(request.user, alert),
        "actions": [(k, v) for k, v in ACTIONS.items() if k in MOVES[alert.status]],
        "reopen": "acknowledged" in MOVES[alert.status] and alert.status == "dismissed",
        "users": assignable_users(alert) if may_act(request.user, alert) else [],
        "targets": targets, "links": links,
        # "un-foa-2014:7.8" -> "7.8": the id inside the framework, as the assessment uses
        "indicators": [i["ref"].rpartition(":")[2] for i in alert.indicators if i.get("ref")],
    })


def _alert_for(request, pk, need):
    alert = get_object_or_404(Alert, pk=pk)
    if not need(request.user, alert):
        raise PermissionDenied
    return alert


@login_required
@require_POST
def status(request, pk):
    alert = _alert_for(request, pk, may_act)
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

    alert = _alert_for(request, pk, may_act)
    who = request.POST.get("user", "")
    if who == "":
        Assignment.objects.filter(alert=alert).delete()
        record("unassign", alert, None, None, object_type="alert")
        messages.success(request, _("Unassigned."))
        return redirect("alerts:detail", pk=alert.pk)
    user = assignable_users(alert).filter(pk=who if who.isdigit() else -1).first()
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
    from tocsin.web.audit.log import record

    alert = _alert_for(request, pk, may_comment)
    text = request.POST.get("text", "").strip()[:4000]
    if not text:
        messages.error(request, _("A comment needs some text."))
    else:
        note = Note.objects.create(alert=alert, author=request.user, text=text)
        record("comment", alert, None, {"note": note.pk}, object_type="alert")
    return redirect("alerts:detail", pk=alert.pk)


@login_required
@require_POST
def use_as_evidence(request, pk):
    from tocsin.web.assessments.models import Assessment

    alert = get_object_or_404(Alert, pk=pk)
    a_id = request.POST.get("assessment", "")
    assessment = Assessment.objects.filter(pk=a_id if a_id.isdigit() else -1).first()
    if assessment is None or assessment not in evidence_targets(request.user, alert):
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


@login_required
@require_http_methods(["GET", "POST"])
def subscription(request):
    sub = Subscription.objects.filter(user=request.user).first()
    if request.method == "POST":
        countries = sorted({c.strip().upper() for c in
                            request.POST.get("countries", "").replace(";", ",").split(",")
                            if c.strip()})
        bad = [c for c in countries if c not in data.country_names()]
        sev = request.POST.get("min_severity", "high")
        if bad or sev not in SEVERITIES:
            messages.error(request, _("Unknown country code(s): %(codes)s")
                           % {"codes": ", ".join(bad) or "-"})
        else:
            Subscription.objects.update_or_create(user=request.user, defaults={
                "countries": countries, "min_severity": sev,
                "email": request.POST.get("email", "").strip()[:254],
                "active": request.POST.get("active") == "on"})
            messages.success(request, _("Subscription saved."))
            return redirect("alerts:subscription")
    return render(request, "alerts/subscription.html", {
        "sub": sub, "severities": SEVERITIES})
