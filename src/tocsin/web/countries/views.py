"""The watch list (all countries ranked by forecast) and the country page.

Readable by every signed-in user: forecasts and alerts come from public data.
Assessments appear only where ``policy`` lets the user see them, and never with
their evidence here.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tocsin import countries as country_codes
from tocsin.web import policy
from tocsin.web.countries import charts, data, predictors

SORTS = {"risk", "name", "alerts", "level", "country"}
LEVEL_ORDER = {"very-high": 4, "high": 3, "moderate": 2, "low": 1}
PER_PAGE = 50
RECENT_ALERTS = 10  # on a country page; the inbox has them all


def _rows(user):
    forecasts = data.latest_forecasts()
    alerts = data.alert_summary()
    assessed = data.latest_assessments(user)
    names = data.country_names()
    rows = []
    base = reverse("countries:watch_list")  # one reverse, not one per row and link
    for iso in sorted(set(forecasts) | set(alerts) | set(assessed)):
        f = forecasts.get(iso)
        a = alerts.get(iso, {})
        s = assessed.get(iso)
        rows.append({
            "country": iso, "name": names.get(iso, (f.name if f else "") or iso),
            "url": f"{base}{iso}/",
            "probability": f.probability if f else None, "year": f.year if f else None,
            "rank": f.rank if f else None, "colour": charts.band_colour(f.probability if f
                                                                       else None),
            "alerts": a.get("alerts", 0), "open": a.get("open", 0), "top": a.get("top", ""),
            "last_week": a.get("last_week"),
            "assessment": s["assessment"] if s else None,
            "level": s["level"] if s else "", "score": s["score"] if s else None,
        })
    return rows


def _sorted(rows, sort: str, desc: bool):
    """Rows in the order asked, ties broken by the forecast (highest first) and then by
    name (A to Z), whichever way the first key runs."""
    def risk(r):
        return (r["probability"] is not None, r["probability"] or 0.0)

    keys = {
        "risk": risk,
        "name": lambda r: r["name"].lower(),
        "country": lambda r: r["country"],
        "alerts": lambda r: r["open"],
        "level": lambda r: (LEVEL_ORDER.get(r["level"], 0), r["score"] or 0),
    }
    out = sorted(rows, key=lambda r: (r["name"].lower(), r["country"]))  # the last key
    if sort not in ("risk", "name", "country"):
        out = sorted(out, key=risk, reverse=True)  # the second key: the forecast
    # Python's sort is stable (also in reverse): equal first keys keep the order above.
    return sorted(out, key=keys[sort], reverse=desc)


_rows_cache = data._Cache(64)


def _rows_html(rows) -> str:
    """The table's rows, rendered once per distinct content and language: rendering 170
    rows through the template engine is most of the page's cost, and the rows change
    only when a forecast, an alert or a visible assessment does."""
    from django.template.loader import render_to_string
    from django.utils import translation
    from django.utils.safestring import mark_safe

    key = (translation.get_language(), tuple(
        (r["country"], r["name"], r["probability"], r["year"], r["rank"], r["alerts"],
         r["open"], r["top"], str(r["last_week"]), r["level"],
         r["assessment"].pk if r["assessment"] else None,
         r["assessment"].status if r["assessment"] else None) for r in rows))
    hit = _rows_cache.get(key)
    if hit is None:
        hit = _rows_cache.put(key, mark_safe(render_to_string(  # noqa: S308 (our template)
            "countries/_watch_rows.html", {"rows": rows, "inbox_url": reverse("alerts:list")})))
    return hit


@login_required
@require_GET
def watch_list(request):
    rows = _rows(request.user)
    q = request.GET.get("q", "").strip().lower()
    only = request.GET.get("only", "")
    try:
        min_p = float(request.GET.get("min", "") or 0) / 100
    except ValueError:
        min_p = 0.0
    shown = [r for r in rows
             if (not q or q in r["name"].lower() or q == r["country"].lower())
             and (only != "alerts" or r["open"])
             and (only != "assessed" or r["assessment"])
             and (not min_p or (r["probability"] or 0) >= min_p)]
    sort = request.GET.get("sort", "risk")
    sort = sort if sort in SORTS else "risk"
    default_desc = sort in ("risk", "alerts", "level")
    desc = request.GET.get("dir", "desc" if default_desc else "asc") == "desc"
    shown = _sorted(shown, sort, desc)
    page = Paginator(shown, PER_PAGE).get_page(request.GET.get("page"))
    links = {r["country"]: r["url"] for r in rows}
    risk = {r["country"]: r["probability"] for r in rows if r["probability"] is not None}
    years = sorted({r["year"] for r in rows if r["year"]})
    svg = charts.world_map(risk, data.country_names(), links,
                           title=_("Forecast probability of a new mass killing, base year %s")
                           % (years[-1] if years else "-"))
    params = request.GET.copy()
    params.pop("page", None)
    paging = params.urlencode()  # filters and sort, for the pager's links
    params.pop("sort", None)
    params.pop("dir", None)
    return render(request, "countries/watch_list.html", {
        "rows_html": _rows_html(list(page.object_list)), "total": len(rows),
        "shown": len(shown), "page": page, "paging": paging, "map_svg": svg, "sort": sort,
        "desc": desc,
        "q": request.GET.get("q", ""), "only": only, "min": request.GET.get("min", ""),
        "query": params.urlencode(), "legend": charts.legend(),
        "inbox_url": reverse("alerts:list"),
        "years": years,
    })


@login_required
@require_GET
def country(request, iso3):
    from tocsin.warning.lifecycle import OPEN_STATUSES
    from tocsin.web.alerts.models import Alert
    from tocsin.web.countries.models import Forecast
    from tocsin.web.tracker.models import progress_for

    iso3 = iso3.upper()
    names = data.country_names()
    history = list(Forecast.objects.filter(country=iso3).order_by("year", "-probability"))
    alerts = list(Alert.objects.filter(country=iso3, baseline=False)
                  .order_by("-week", "-id")[:RECENT_ALERTS])
    known = country_codes.is_known(iso3) or history or alerts
    if not known:
        raise Http404
    latest = history[-1] if history else None
    by_year = {}
    for f in history:
        by_year.setdefault(f.year, f)
    points = [{"year": y, "probability": f.probability} for y, f in sorted(by_year.items())]
    weekly = data.weekly_by_class(iso3)
    signals = sorted(charts.signal_charts(weekly), key=lambda c: (-c["events"], c["source"]))
    admin1 = data.subnational(iso3)
    assessments = [{"a": a, **data.assessment_level(a)} for a in
                   policy.visible_assessments(request.user).filter(country=iso3)
                   .order_by("-created_at", "-version")]
    forecasts = data.latest_forecasts()
    risk = {c: f.probability for c, f in forecasts.items()}
    base = reverse("countries:watch_list")
    links = {c: f"{base}{c}/" for c in risk}
    drivers = [{**d, "label": predictors.label(d.get("predictor", "")),
                "value": _number(d.get("value"))} for d in (latest.drivers if latest else [])]
    return render(request, "countries/country.html", {
        "iso3": iso3, "name": names.get(iso3, (latest.name if latest else "") or iso3),
        "latest": latest, "history": points, "drivers": drivers,
        "history_svg": charts.history_chart(points),
        "drivers_svg": charts.drivers_chart(drivers),
        "signals": signals,
        "admin1": admin1, "alerts": alerts, "assessments": assessments,
        "options": by_heading(open_options(iso3)),
        "open_alerts": Alert.objects.filter(country=iso3, baseline=False,
                                            status__in=OPEN_STATUSES).count(),
        "alert_total": Alert.objects.filter(country=iso3, baseline=False).count(),
        "map_svg": charts.country_map(iso3, risk, names, links), "legend": charts.legend(),
        "recommendations": progress_for(iso3),
        "may_edit_tracker": policy.can_edit_tracker(request.user, iso3),
        "colour": charts.band_colour(latest.probability if latest else None),
    })


def _number(text):
    """A driver's value as a number, written by the template in the interface's language
    ("0,0605" in French); as it came when it is not one ("NA")."""
    try:
        n = float(text)
    except (TypeError, ValueError):
        return text
    return int(n) if n.is_integer() else n


def open_options(iso3: str, examples: int = 2) -> list[dict]:
    """The preventive options of the country's open alerts (each alert stores those that
    answer the risk factors it is evidence for), each once, with the first
    ``examples`` cases of state practice the SG's report cites (as ``tocsin warn show``
    prints them) and the rules of the alerts that point to it; the options most alerts
    point to first."""
    from tocsin.warning.lifecycle import OPEN_STATUSES
    from tocsin.web.alerts.models import Alert

    names = data.country_names()
    found: dict[str, dict] = {}
    for options, rule_name in (Alert.objects.filter(country=iso3, baseline=False,
                                                    status__in=OPEN_STATUSES)
                               .order_by("-week", "-id").values_list("options", "rule_name")):
        for o in options or []:
            key = o.get("id") or o.get("name")
            entry = found.setdefault(key, {
                "id": o.get("id", ""), "name": o.get("name", ""),
                "heading": o.get("heading", ""), "alerts": 0, "rules": [],
                "practice": [{"states": ", ".join(names.get(c, c) for c in sp.get("states", [])),
                              "text": sp.get("text", "")}
                             for sp in (o.get("state_practice") or [])[:examples]],
                "more": max(len(o.get("state_practice") or []) - examples, 0)})
            entry["alerts"] += 1
            if rule_name not in entry["rules"]:
                entry["rules"].append(rule_name)
    for e in found.values():
        e["states"] = "; ".join(sp["states"] or "–" for sp in e["practice"])
    return sorted(found.values(), key=lambda e: (-e["alerts"], e["id"]))


def by_heading(options: list[dict]) -> list[dict]:
    """The options under the headings of the SG's report they come from, in words
    ('building-national-resilience': 'Building national resilience')."""
    groups: dict[str, list] = {}
    for o in options:
        groups.setdefault(o["heading"], []).append(o)
    return [{"heading": _heading(h), "options": items} for h, items in groups.items()]


def _heading(code: str) -> str:
    text = (code or "").replace("-", " ").strip()
    return text[:1].upper() + text[1:]
