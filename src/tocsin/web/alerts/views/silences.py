"""Silences: the ones in force, those to come and those that ended, and a form to make
one (what it matches, until when, why). Any signed-in user reads them; making one, or
ending it early, is for who may act on the country's alerts
(``tocsin.web.alerts.rules``)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tocsin.errors import InputError
from tocsin.warning.severity import SEVERITIES
from tocsin.web.alerts import rules, services
from tocsin.web.alerts.models import Silence

FIELDS = ("country", "unit", "rule", "severity", "source")


def _until(text: str):
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment


@login_required
@require_http_methods(["GET", "POST"])
def silences(request):
    if request.method == "POST":
        matchers = {k: request.POST.get(k, "").strip() for k in FIELDS}
        matchers = {k: v for k, v in matchers.items() if v}
        country = matchers.get("country", "").upper()
        if not rules.can_silence(request.user, country):
            raise PermissionDenied
        until = _until(request.POST.get("until", ""))
        if until is None:
            messages.error(request, _("Give the end of the silence as a date (YYYY-MM-DD) or "
                                      "a date and time."))
        else:
            try:
                s = services.create_silence(matchers, until, request.POST.get("reason", ""),
                                            user=request.user)
            except InputError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Silence #%(id)s is in force until %(end)s.")
                                 % {"id": s.pk, "end": s.ends_at.strftime("%Y-%m-%d %H:%M")})
                return redirect("alerts:silences")
    now = timezone.now()
    rows = list(Silence.objects.all()[:200])
    for s in rows:
        s.state = ("active" if s.active(now) else "ended" if s.ends_at <= now else "scheduled")
        s.may_expire = s.ends_at > now and rules.can_expire_silence(request.user, s)
    return render(request, "alerts/silences.html", {
        "rows": rows, "f": request.GET, "severities": SEVERITIES,
        "default_until": (now + dt.timedelta(days=7)).strftime("%Y-%m-%d"),
    })


@login_required
@require_POST
def expire(request, pk):
    s = get_object_or_404(Silence, pk=pk)
    if not rules.can_expire_silence(request.user, s):
        raise PermissionDenied
    services.expire_silence(s, user=request.user)
    messages.success(request, _("Silence #%(id)s has ended.") % {"id": s.pk})
    return redirect("alerts:silences")
