"""A person's own alert notifications: which countries, from which severity, to which
address. Sent by ``tocsin.web.alerts.delivery``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tocsin import countries as country_codes
from tocsin.web.alerts.models import SEVERITIES, Subscription


@login_required
@require_http_methods(["GET", "POST"])
def subscription(request):
    sub = Subscription.objects.filter(user=request.user).first()
    if request.method == "POST":
        codes = sorted({c.strip().upper() for c in
                        request.POST.get("countries", "").replace(";", ",").split(",")
                        if c.strip()})
        bad = [c for c in codes if not country_codes.is_known(c)]
        sev = request.POST.get("min_severity", "high")
        if bad or sev not in SEVERITIES:
            messages.error(request, _("Unknown country code(s): %(codes)s")
                           % {"codes": ", ".join(bad) or "-"})
        else:
            Subscription.objects.update_or_create(user=request.user, defaults={
                "countries": codes, "min_severity": sev,
                "email": request.POST.get("email", "").strip()[:254],
                "active": request.POST.get("active") == "on"})
            messages.success(request, _("Subscription saved."))
            return redirect("alerts:subscription")
    return render(request, "alerts/subscription.html", {
        "sub": sub, "severities": SEVERITIES})
