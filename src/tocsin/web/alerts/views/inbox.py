"""The inbox: situations (alerts grouped into episodes per place) filtered by status,
country, severity and owner, with the silences in force; every alert, filtered by
status, country, severity, rule, assignee; and one alert with its figures, its events,
its situation, its history, its comments and what may be done with it. Any signed-in
user reads them (alerts come from public data)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tocsin.warning.lifecycle import MOVES
from tocsin.web import policy
from tocsin.web.alerts import services
from tocsin.web.alerts.filters import filtered, situations_filtered
from tocsin.web.alerts.models import (
    SEVERITIES,
    SITUATION_STATUSES,
    STATUSES,
    Alert,
    Assignment,
    EvidenceLink,
    Silence,
)
from tocsin.web.countries import data

# The buttons of the moves a person makes (verbs; the statuses' names are nouns).
ACTIONS = {"acknowledged": gettext_lazy("Acknowledge"), "escalated": gettext_lazy("Escalate"),
           "dismissed": gettext_lazy("Dismiss"), "closed": gettext_lazy("Close")}


@login_required
@require_GET
def inbox(request):
    """The situations: what asks for attention, one row per episode."""
    from django.db.models import Count, Q
    from django.utils import timezone

    qs = situations_filtered(request.GET, request.user).annotate(
        n_alerts=Count("alerts"), n_inhibited=Count("alerts", filter=Q(alerts__inhibited=True)))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    now = timezone.now()
    return render(request, "alerts/list.html", {
        "page": page, "statuses": SITUATION_STATUSES, "severities": SEVERITIES,
        "f": request.GET, "query": params.urlencode(),
        "silences": Silence.objects.filter(starts_at__lte=now, ends_at__gt=now),
        "ungrouped": Alert.objects.filter(situation__isnull=True, baseline=False).count(),
    })


@login_required
@require_GET
def alerts(request):
    """Every alert, one row each (the inbox before situations; the API's list)."""
    qs = filtered(request.GET, request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "alerts/alerts.html", {
        "page": page, "statuses": STATUSES, "severities": SEVERITIES, "f": request.GET,
        "query": params.urlencode(),
        "rules": sorted(set(Alert.objects.values_list("rule", flat=True))),
    })


@login_required
@require_GET
def detail(request, pk):
    alert = get_object_or_404(Alert, pk=pk)
    user = request.user
    total, events = data.events(uids=list(alert.event_ids[:500]), limit=100)
    links = [link for link in EvidenceLink.objects.filter(alert=alert).select_related(
        "evidence__rating__entry__assessment") if policy.can_see_evidence(user, link.evidence)]
    targets = policy.alert_evidence_targets(user, alert)
    may_act = policy.can_act_on_alert(user, alert)
    return render(request, "alerts/detail.html", {
        "alert": alert, "events": events, "events_total": total,
        "changes": alert.changes.all(), "notes": alert.notes.select_related("author"),
        "assignment": Assignment.objects.filter(alert=alert).select_related("assignee").first(),
        "may_act": may_act,
        "may_comment": policy.can_comment_on_alert(user, alert),
        "actions": [(k, v) for k, v in ACTIONS.items() if k in MOVES[alert.status]],
        "reopen": "acknowledged" in MOVES[alert.status] and alert.status == "dismissed",
        "users": policy.alert_assignees(alert) if may_act else [],
        "targets": targets, "links": links,
        "indicators": services.indicator_choices(alert, targets),
        "situation": alert.situation,
    })
