"""The watch list and the country page as a minister would read them, on the bundled
data (watch_world: UCDP GED Myanmar 2021, one GDELT 2.0 export, the bundled 2024
forecasts): the watch list in pages that keep the filters, ties broken by the
forecast, severities in words; a country page with drivers in words, sub-national
units by name, charts per source with correct plurals, "no fatalities recorded", a
zoomed map and the preventive options of the open alerts with their state practice."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tocsin.web.countries import views

WATCH = "/countries/"


@pytest.fixture(autouse=True)
def _language_back():
    """A request in French leaves French active in the thread (LocaleMiddleware does not
    switch back): back to the default after each test, so no later test reads French."""
    yield
    translation.deactivate()


def _rows(body: str) -> list[str]:
    return re.findall(r'<tr data-country="([A-Z]{3})"', body)


def test_watch_list_is_paged_and_keeps_the_filters(watch_admin, watch_world):
    from tocsin.web.countries.models import Forecast

    total = Forecast.objects.filter(year=2024).values("country").distinct().count()
    assert total > views.PER_PAGE
    first = watch_admin.get(WATCH).content.decode()
    assert len(_rows(first)) == views.PER_PAGE
    assert f"Countries 1–{views.PER_PAGE} of" in first
    second = watch_admin.get(WATCH + "?page=2").content.decode()
    assert not set(_rows(first)) & set(_rows(second))
    seen = set()
    n = 1
    while True:
        body = watch_admin.get(f"{WATCH}?page={n}").content.decode()
        got = _rows(body)
        seen |= set(got)
        if 'rel="next"' not in body:
            break
        n += 1
    assert len(seen) >= total and n == -(-len(seen) // views.PER_PAGE)
    # the pager's links carry the filter and the sort
    body = watch_admin.get(WATCH + "?min=1&sort=name&dir=asc").content.decode()
    link = re.search(r'href="\?([^"]*page=2)"', body).group(1).replace("&amp;", "&")
    assert "min=1" in link and "sort=name" in link and "dir=asc" in link
    page2 = watch_admin.get(WATCH + "?" + link).content.decode()
    assert _rows(page2) and set(_rows(page2)).isdisjoint(_rows(body))
    # and the sort links start again at page 1, with the filter
    head = re.search(r'href="\?([^"]*sort=risk[^"]*)"', body).group(1)
    assert "min=1" in head and "page=" not in head


def test_sort_by_open_alerts_breaks_ties_by_forecast_then_name(watch_admin, watch_world):
    body = watch_admin.get(WATCH + "?sort=alerts").content.decode()
    order = _rows(body)
    rows = {r["country"]: r for r in views._rows(watch_world.users["admin"])}
    opened = [c for c in order if rows[c]["open"]]
    assert opened and order[:len(opened)] == opened
    rest = order[len(opened):]
    probs = [rows[c]["probability"] or -1 for c in rest]
    assert probs == sorted(probs, reverse=True)  # not ISO3 order
    assert rest != sorted(rest)


def test_sort_keys_unit():
    def row(iso, name, p, open_=0, level="", score=None):
        return {"country": iso, "name": name, "probability": p, "open": open_,
                "alerts": open_, "level": level, "score": score}

    rows = [row("AAA", "Zeta", 0.01), row("BBB", "Alpha", 0.05), row("CCC", "Beta", 0.05),
            row("DDD", "Delta", None), row("EEE", "Eta", 0.02, open_=3)]
    by_alerts = [r["country"] for r in views._sorted(rows, "alerts", True)]
    assert by_alerts == ["EEE", "BBB", "CCC", "AAA", "DDD"]  # then forecast, then name
    by_level = [r["country"] for r in views._sorted(rows, "level", True)]
    assert by_level == ["BBB", "CCC", "EEE", "AAA", "DDD"]
    assert [r["country"] for r in views._sorted(rows, "risk", True)][:2] == ["BBB", "CCC"]


def test_top_severity_is_a_word_in_the_interface_language(watch_admin, watch_world):
    body = watch_admin.get(WATCH + "?q=MMR").content.decode()
    row = body[body.index('<tr data-country="MMR"'):]
    row = row[:row.index("</tr>")]
    assert '<span class="sev critical">Critical</span>' in row
    watch_admin.cookies["django_language"] = "fr"
    fr = watch_admin.get(WATCH + "?q=MMR", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<span class="sev critical">Critique</span>' in fr


def test_country_page_reads_in_words(watch_admin, watch_world):
    body = watch_admin.get(reverse("countries:country", args=["MMR"])).content.decode()
    # drivers: labels in words, the column name only beside them
    assert "Share of the population in politically discriminated ethnic groups" in body
    assert not re.search(r"[▲▼] [a-z_.0-9]+ =", body)
    # one chart block per source, the principal one first
    assert body.index('id="signals-ucdp-ged"') < body.index('id="signals-gdelt2"')
    assert "No fatalities recorded: GDELT 2.0 does not count deaths." in body
    assert re.search(r"\d+ weeks with events, from the week of", body)
    assert "1 week with events: the week of 21 October 2019." in body  # not "1 weeks"
    assert "1 weeks" not in body
    # sub-national units by name, each source apart
    sub = body[body.index('id="subnational"'):body.index('id="alerts"')]
    assert "Yangon" in sub and "Mandalay" in sub
    assert not re.search(r">(BM\d\d|BM)<", sub)  # no FIPS codes
    # the map is Myanmar's, with its neighbours, not the world
    svg = body[body.index('id="country-map"'):]
    svg = svg[:svg.index("</svg>")]
    assert "Country: Thailand" in svg and "Country: Brazil" not in svg


def test_preventive_options_of_open_alerts_with_state_practice(watch_admin, watch_world):
    from tocsin.warning.lifecycle import OPEN_STATUSES
    from tocsin.web.alerts.models import Alert

    opened = Alert.objects.filter(country="MMR", baseline=False, status__in=OPEN_STATUSES)
    ids = {o["id"] for a in opened for o in a.options}
    assert ids
    options = views.open_options("MMR")
    assert sorted(o["id"] for o in options) == sorted(ids)  # each once
    assert all(len(o["practice"]) <= 2 for o in options)
    body = watch_admin.get(reverse("countries:country", args=["MMR"])).content.decode()
    section = body[body.index('id="options"'):body.index('id="assessments"')]
    assert "State practice" in section and "<details>" in section
    cited = next(o for o in options if o["practice"])
    assert cited["name"] in section and cited["practice"][0]["text"][:40] in section
    assert not re.search(r"<strong>[A-Z]{3}(, [A-Z]{3})*</strong>", section)  # names
    # a country without open alerts says so, briefly
    ken = watch_admin.get(reverse("countries:country", args=["KEN"])).content.decode()
    assert "No open alert, so no preventive option" in ken


def test_country_page_in_french(watch_admin, watch_world):
    watch_admin.cookies["django_language"] = "fr"
    body = watch_admin.get(reverse("countries:country", args=["MMR"]),
                           HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Part de la population dans des groupes ethniques politiquement discriminés" in body
    assert "Aucune victime enregistrée" in body and "Options de prévention" in body
    assert "semaine avec des événements" in body
    assert "discriminés : 0,0605" in body  # French typography and decimal comma
    assert "Affrontement armé" in body  # event classes in words, in French
