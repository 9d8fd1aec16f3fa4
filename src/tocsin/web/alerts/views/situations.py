"""One situation: its timeline of alerts (inhibited ones shown, marked), its weekly
figures, its owner, its status and its history, and what people do with it:
acknowledge, escalate, close with a reason, take it, use it as evidence. Reading is
for any signed-in user; acting asks ``policy`` (the alert rules, on the situation's
country), refused is 403."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tocsin.errors import InputError
from tocsin.warning import severity as sev
from tocsin.warning import situations as core
from tocsin.web import policy
from tocsin.web.alerts import services, store
from tocsin.web.alerts.models import (
    CHANGE_NAMES,
    SITUATION_STATUSES,
    EvidenceLink,
    Notice,
    Silence,
    Situation,
)

ACTIONS = {"acknowledged": gettext_lazy("Acknowledge"), "escalated": gettext_lazy("Escalate"),
           "closed": gettext_lazy("Close")}


def weekly_figures(situation: Situation, alerts: list) -> list[dict]:
    """Per week of the situation (and two before it): its alerts (how many, inhibited,
    highest severity) and the place's events and fatalities (its main source)."""
    from tocsin.web.countries.data import signals_reader

    first = situation.opened_week - dt.timedelta(weeks=2)
    last = situation.closed_week or situation.last_week
    rows = []
    with signals_reader(situation.country) as con:
        if con is not None:
            level = "admin1" if situation.unit else "country"
            rows = con.execute(
                "SELECT source, week, sum(events), sum(fatalities) FROM signals WHERE "
                "country = ? AND level = ? AND unit = ? AND week BETWEEN ? AND ? "
                "GROUP BY source, week", [situation.country, level, situation.unit, first,
                                          last]).fetchall()
    totals: dict[str, int] = {}
    for src, _w, n, _f in rows:
        totals[src] = totals.get(src, 0) + int(n or 0)
    source = max(sorted(totals), key=lambda s: totals[s]) if totals else None
    figures = {(w.date() if isinstance(w, dt.datetime) else w): (int(n or 0), int(f or 0))
               for s, w, n, f in rows if s == source}
    out, week = [], first
    by_week: dict[dt.date, list] = {}
    for a in alerts:
        by_week.setdefault(a.week, []).append(a)
    while week <= last:
        mine = by_week.get(week, [])
        n, f = figures.get(week, (None, None))
        out.append({"week": week, "alerts": len(mine),
                    "inhibited": sum(a.inhibited for a in mine),
                    "severity": sev.highest(a.severity for a in mine), "events": n,
                    "fatalities": f, "source": source})
        week += dt.timedelta(weeks=1)
    return out


@login_required
@require_GET
def detail(request, pk):
    s = get_object_or_404(Situation.objects.select_related("owner"), pk=pk)
    user = request.user
    alerts = list(s.alerts.order_by("week", "-inhibited", "id"))
    may_act = policy.can_act_on_alert(user, s)
    targets = policy.alert_evidence_targets(user, s)
    links = [link for link in EvidenceLink.objects.filter(situation=s).select_related(
        "evidence__rating__entry__assessment") if policy.can_see_evidence(user, link.evidence)]
    notices: dict[str, int] = {}
    for status in Notice.objects.filter(situation=s).values_list("status", flat=True):
        notices[status] = notices.get(status, 0) + 1
    from django.utils import timezone

    now = timezone.now()
    labels = [{"country": a.country, "unit": a.unit, "rule": a.rule, "severity": a.severity,
               "source": a.source, "level": a.level} for a in alerts]
    silences = [x for x in Silence.objects.filter(starts_at__lte=now, ends_at__gt=now)
                if any(core.silence_matches(x.matchers, lb) for lb in labels)]
    changes = list(s.changes.all())
    for c in changes:
        c.kind_name = CHANGE_NAMES.get(c.kind, c.kind)
    return render(request, "alerts/situation.html", {
        "s": s, "alerts": alerts, "weeks": weekly_figures(s, alerts),
        "changes": changes, "may_act": may_act,
        "actions": [(k, v) for k, v in ACTIONS.items() if k in core.MOVES[s.status]],
        "users": policy.alert_assignees(s) if may_act else [],
        "targets": targets, "links": links,
        "indicators": services.situation_indicator_choices(s, targets) if targets else [],
        "notices": notices, "silences": silences, "statuses": SITUATION_STATUSES,
        "inhibited": sum(a.inhibited for a in alerts),
        "period": s.last_week.strftime("%Y-%m"),
    })


def _situation_for(request, pk) -> Situation:
    s = get_object_or_404(Situation, pk=pk)
    if not policy.can_act_on_alert(request.user, s):
        raise PermissionDenied
    return s


@login_required
@require_POST
def status(request, pk):
    from tocsin.web.alerts.services import actor_name
    from tocsin.web.audit.context import acting, current

    s = _situation_for(request, pk)
    to = request.POST.get("to", "")
    try:
        with acting(request.user, address=current()[1], name=actor_name(request.user)):
            store.transition_situation(s.pk, to, request.POST.get("reason", ""),
                                       actor_name(request.user))
    except InputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Situation #%(id)s is now %(status)s.")
                         % {"id": s.pk, "status": SITUATION_STATUSES.get(to, to)})
    return redirect("alerts:situation", pk=s.pk)


@login_required
@require_POST
def owner(request, pk):
    s = _situation_for(request, pk)
    who = request.POST.get("user", "")
    user = None
    if who:
        user = policy.alert_assignees(s).filter(pk=who if who.isdigit() else -1).first()
        if user is None:
            messages.error(request, _("That person has no role in %(country)s.")
                           % {"country": s.country})
            return redirect("alerts:situation", pk=s.pk)
    store.set_owner(s.pk, user, request.user.get_username())
    messages.success(request, _("Owner: %(user)s.") % {"user": user.get_username() if user
                                                       else _("nobody")})
    return redirect("alerts:situation", pk=s.pk)


@login_required
@require_POST
def use_as_evidence(request, pk):
    from tocsin.web.assessments.models import Assessment

    s = get_object_or_404(Situation, pk=pk)
    a_id = request.POST.get("assessment", "")
    assessment = Assessment.objects.filter(pk=a_id if a_id.isdigit() else -1).first()
    if not policy.can_use_as_evidence(request.user, s, assessment):
        raise PermissionDenied
    url = request.build_absolute_uri(reverse("alerts:situation", args=[s.pk]))
    try:
        services.use_situation_as_evidence(s, assessment,
                                           request.POST.get("indicator", "").strip(),
                                           request.user, url,
                                           sensitive=request.POST.get("sensitive") == "on")
    except InputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Situation #%(id)s added as evidence to %(title)s.")
                         % {"id": s.pk, "title": assessment.title})
    return redirect("alerts:situation", pk=s.pk)
