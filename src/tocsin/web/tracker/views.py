"""The recommendations tracker: every state's progress on the report's seven
recommendations. Any signed-in user reads it; a state's focal points and the
administrators record its entries (``may_edit``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tocsin.web import policy
from tocsin.web.audit.log import record
from tocsin.web.countries import data
from tocsin.web.tracker import treaties
from tocsin.web.tracker.forms import RecommendationForm
from tocsin.web.tracker.models import ITEMS, Recommendation, progress_for


def may_edit(user, country: str) -> bool:
    return policy.is_admin(user) or policy.is_focal_point(user, country)


def _known(iso3: str) -> str:
    iso3 = iso3.upper()
    if iso3 not in data.country_names():
        raise Http404
    return iso3


@login_required
@require_GET
def overview(request):
    recorded = set(Recommendation.objects.values_list("country", flat=True))
    snap = {c for (_t, c) in treaties.snapshot()}
    forecast = set(data.latest_forecasts())
    names = data.country_names()
    countries = sorted(recorded | snap | forecast, key=lambda c: names.get(c, c))
    q = request.GET.get("q", "").strip().lower()
    if q:
        countries = [c for c in countries if q in names.get(c, c).lower() or q == c.lower()]
    rows = [{"country": c, "name": names.get(c, c), "items": progress_for(c)}
            for c in countries]
    return render(request, "tracker/overview.html", {
        "rows": rows, "items": ITEMS, "q": request.GET.get("q", ""),
        "as_of": {k: v[1] for k, v in treaties.TREATIES.items()},
    })


@login_required
@require_GET
def country(request, iso3):
    iso3 = _known(iso3)
    edit = may_edit(request.user, iso3)
    rows = progress_for(iso3)
    for r in rows:
        if edit:
            r["form"] = RecommendationForm(prefix=r["item"], initial={
                "status": r["status"] if r["source"] == "recorded" else "unknown",
                "date": r["date"] if r["source"] == "recorded" else None,
                "evidence": r["evidence"] if r["source"] == "recorded" else "",
                "url": r["url"]})
    return render(request, "tracker/country.html", {
        "iso3": iso3, "name": data.country_name(iso3), "rows": rows, "may_edit": edit,
    })


@login_required
@require_POST
def update(request, iso3, item):
    iso3 = _known(iso3)
    if item not in ITEMS:
        raise Http404
    if not may_edit(request.user, iso3):
        raise PermissionDenied
    form = RecommendationForm(request.POST, prefix=item)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("tracker:country", iso3=iso3)
    with transaction.atomic():
        row = Recommendation.objects.select_for_update().filter(country=iso3, item=item).first()
        before = None
        if row is None:
            row = Recommendation(country=iso3, item=item)
        else:
            before = {"status": row.status, "date": str(row.date), "evidence": row.evidence,
                      "url": row.url}
        for f in ("status", "date", "evidence", "url"):
            setattr(row, f, form.cleaned_data[f] or ({"date": None}.get(f, "")))
        row.updated_by, row.updated_at = request.user, timezone.now()
        row.save()
        record("create" if before is None else "update", row, before,
               {"status": row.status, "date": str(row.date), "evidence": row.evidence,
                "url": row.url}, object_type="recommendation")
    messages.success(request, _("Saved."))
    return redirect("tracker:country", iso3=iso3)
