"""Charts speak the interface's language: axis and legend titles and the map's hover
tips are translated, and a chart drawn in one language is never served in another
from the cache."""

from __future__ import annotations

import re

from django.utils import translation

from tocsin.web.countries import charts

ROWS = [{"week": "2021-10-25", "source": "acled", "event_class": "coup", "events": 1,
         "fatalities": 7},
        {"week": "2021-11-01", "source": "acled", "event_class": "protest", "events": 12,
         "fatalities": 3}]


def test_weekly_chart_titles_follow_the_language():
    with translation.override("fr"):
        fr = charts.signal_charts(ROWS)[0]["fatalities_svg"]
    with translation.override("en"):
        en = charts.signal_charts(ROWS)[0]["fatalities_svg"]
    assert "Catégorie d&#39;événement" in fr or "Catégorie d'événement" in fr
    assert "victimes" in fr and "Event class" not in fr
    assert "Event class" in en and "fatalities" in en and "Catégorie" not in en


def test_map_hover_tip_and_label_follow_the_language():
    risk, names, links = {"KEN": 0.031}, {}, {"KEN": "/countries/KEN/"}
    with translation.override("fr"):
        fr = charts.world_map(risk, names, links, width=520)
    with translation.override("en"):
        en = charts.world_map(risk, names, links, width=520)
    fr_kenya = re.search(r'<a href="/countries/KEN/"><path aria-label="([^"]*)"[^>]*>'
                         r'<title>([^<]*)</title>', fr)
    en_kenya = re.search(r'<a href="/countries/KEN/"><path aria-label="([^"]*)"[^>]*>'
                         r'<title>([^<]*)</title>', en)
    assert fr_kenya.group(1).startswith("Pays: Kenya; Prévision: ")
    assert en_kenya.group(1).startswith("Country: Kenya; Forecast: ")
    # the probability is written as the language writes it
    assert en_kenya.group(2) == "Kenya: 3.1%" and fr_kenya.group(2) == "Kenya: 3,1\u00a0%"


def test_forecast_charts_titles_follow_the_language():
    with translation.override("fr"):
        hist = charts.history_chart([{"year": 2023, "probability": 0.02},
                                     {"year": 2024, "probability": 0.03}])
        drivers = charts.drivers_chart([{"predictor": "x", "contribution": 0.4, "side": "up"}])
    assert "Année de base" in hist and "Probabilité" in hist
    assert "Contribution au logarithme de la cote" in drivers
