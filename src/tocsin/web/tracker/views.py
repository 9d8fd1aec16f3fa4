"""The recommendations tracker: every state's progress on the report's seven
recommendations, as a country x recommendation matrix. Any signed-in user reads it; a
state's focal points and the administrators record its entries
(``policy.can_edit_tracker``): a row of the matrix in place (HTMX), or the state's page,
one form for its nine rows. Recommendation 2 is read from the state's assessments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from tocsin import countries as country_codes
from tocsin.web import policy
from tocsin.web.audit.log import record
from tocsin.web.countries import data
from tocsin.web.tracker import treaties
from tocsin.web.tracker.forms import ProgressForm
from tocsin.web.tracker.models import (
    DERIVED,
    ITEMS,
    LETTERS,
    SHORT,
    STATUSES,
    Recommendation,
    has_record,
    latest_assessments,
    progress,
    progress_for,
)
from tocsin.web.tracker.regions import REGIONS, region_of

PER_PAGE = 25
SHOWS = ("all", "recorded")
BADGE_STATUSES = ("done", "in_progress", "signed", "none", "unknown")


def _known(iso3: str) -> str:
    iso3 = iso3.upper()
    if not country_codes.is_known(iso3):
        raise Http404
    return iso3


def snapshot_range() -> tuple:
    """The first and last as-of dates of the bundled treaty snapshot."""
    dates = sorted(v[1] for v in treaties.TREATIES.values())
    return dates[0], dates[-1]


def _columns():
    return [{"item": k, "ref": f"{n}{LETTERS.get(k, '')}", "label": label, "short": SHORT[k],
             "as_of": treaties.TREATIES[k][1] if k in treaties.TREATIES else None}
            for k, (n, label) in ITEMS.items()]


def _editable_items(rows) -> list[str]:
    """The items a form records: all but recommendation 2 where it is read from the
    assessments."""
    return [r["item"] for r in rows if not (r["item"] == DERIVED and r["source"] == "assessment")]


@login_required
@require_GET
def overview(request):
    names = data.country_names()
    regions = region_of()
    recorded = set(Recommendation.objects.values_list("country", flat=True))
    assessed = set(latest_assessments(request.user))
    snap = {c for (_t, c) in treaties.snapshot()}
    countries = recorded | assessed | snap | set(data.latest_forecasts())
    q = request.GET.get("q", "").strip()
    region = request.GET.get("region", "")
    region = region if region in REGIONS else ""
    show = request.GET.get("show", "all")
    show = show if show in SHOWS else "all"
    if q:
        low = q.lower()
        countries = {c for c in countries if low in names.get(c, c).lower() or low == c.lower()}
    if region:
        countries = {c for c in countries if regions.get(c) == region}
    if show == "recorded":
        countries &= recorded | assessed
    ordered = sorted(countries, key=lambda c: names.get(c, c))
    page = Paginator(ordered, PER_PAGE).get_page(request.GET.get("page"))
    found = progress(list(page.object_list), request.user)
    rows = [_matrix_row(request, c, names, found[c]) for c in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    first, last = snapshot_range()
    return render(request, "tracker/overview.html", {
        "rows": rows, "columns": _columns(), "page": page, "total": len(ordered),
        "q": q, "region": region, "show": show, "regions": list(REGIONS.items()),
        "query": params.urlencode(), "snapshot_from": first, "snapshot_to": last,
        "legend": [{"status": s, "status_label": STATUSES[s], "source": "legend",
                    "label": _("Legend"),
                    "meaning": {"unknown": _("not recorded"), "done": "",
                                "in_progress": ""}.get(s, STATUSES[s])}
                   for s in BADGE_STATUSES],
        "any_recorded": bool(recorded | assessed),
    })


def _matrix_row(request, country, names, rows, form=None) -> dict:
    return {"country": country, "name": names.get(country, country), "items": rows,
            "has_record": has_record(rows), "form": form,
            "may_edit": policy.can_edit_tracker(request.user, country)}


def _save(request, iso3: str, form: ProgressForm) -> int:
    """Record the items of ``form`` that changed; returns how many. Each is audited."""
    changed = {name.rsplit("-", 1)[0] for name in form.changed_data}
    n = 0
    with transaction.atomic():
        for key in form.items:
            if key not in changed:
                continue
            values = form.values(key)
            row = Recommendation.objects.select_for_update().filter(country=iso3, item=key).first()
            before = None
            if row is None:
                row = Recommendation(country=iso3, item=key)
            else:
                before = {"status": row.status, "date": str(row.date or ""),
                          "evidence": row.evidence, "url": row.url}
            row.status = values["status"]
            for f in ("date", "evidence", "url"):
                if f in values:
                    setattr(row, f, values[f] or ({"date": None}.get(f, "")))
            row.updated_by, row.updated_at = request.user, timezone.now()
            row.save()
            record("create" if before is None else "update", row, before,
                   {"status": row.status, "date": str(row.date or ""), "evidence": row.evidence,
                    "url": row.url}, object_type="recommendation")
            n += 1
    return n


@login_required
@require_http_methods(["GET", "POST"])
def country(request, iso3):
    """A state's nine rows and, for those who may, one form to record them."""
    iso3 = _known(iso3)
    edit = policy.can_edit_tracker(request.user, iso3)
    rows = progress_for(iso3, request.user)
    form = None
    if request.method == "POST":
        if not edit:
            raise PermissionDenied
        form = ProgressForm(request.POST, rows=rows, items=_editable_items(rows))
        if form.is_valid():
            n = _save(request, iso3, form)
            messages.success(request, ngettext("Saved: %(n)d entry recorded.",
                                               "Saved: %(n)d entries recorded.", n) % {"n": n}
                             if n else _("Nothing changed."))
            return redirect("tracker:country", iso3=iso3)
    elif edit:
        form = ProgressForm(rows=rows, items=_editable_items(rows))
    first, last = snapshot_range()
    return render(request, "tracker/country.html", {
        "iso3": iso3, "name": data.country_name(iso3), "rows": rows, "may_edit": edit,
        "form": form, "lines": [(r, form.bound(r["item"]) if form and r["item"] in form.items
                                 else None) for r in rows],
        "snapshot_from": first, "snapshot_to": last,
    }, status=400 if form is not None and form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def row(request, iso3):
    """One row of the matrix: shown (GET), as a form of its statuses (GET ``?edit=1``),
    saved (POST). For HTMX, the row alone; otherwise back to the matrix."""
    iso3 = _known(iso3)
    editing = request.method == "POST" or request.GET.get("edit") == "1"
    if editing and not policy.can_edit_tracker(request.user, iso3):
        raise PermissionDenied
    rows = progress_for(iso3, request.user)
    names = data.country_names()
    form = None
    if request.method == "POST":
        form = ProgressForm(request.POST, rows=rows, items=_editable_items(rows),
                            statuses_only=True)
        if form.is_valid():
            _save(request, iso3, form)
            form = None
            rows = progress_for(iso3, request.user)
            if not request.headers.get("HX-Request"):
                messages.success(request, _("Saved."))
                return redirect("tracker:overview")
    elif editing:
        form = ProgressForm(rows=rows, items=_editable_items(rows), statuses_only=True)
    if form is not None:
        for name, field in form.fields.items():  # the row's cells belong to its one form
            field.widget.attrs.update({"form": f"row-form-{iso3}", "class": "cellsel",
                                       "aria-label": f"{iso3} {name.rsplit('-', 1)[0]}"})
        for r in rows:
            r["field"] = form.bound(r["item"]).get("status") if r["item"] in form.items else None
    return render(request, "tracker/_matrix_row.html", {
        "r": _matrix_row(request, iso3, names, rows, form), "columns": _columns()})
