"""The watch list (every country ranked by forecast, with the world map) and the country
page (forecast, signals, sub-national units, alerts, assessments, recommendations), on
real data. Permissions are walked in test_authz_watch.py."""

from __future__ import annotations

from django.urls import reverse


def test_watch_list_ranks_by_forecast_with_map(watch_admin, watch_world):
    resp = watch_admin.get(reverse("countries:watch_list"))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "<svg" in body and "Natural Earth" in body
    # 2024 forecast of the bundled model: the ranking is the model's rank column.
    from tocsin.web.countries.models import Forecast

    top = Forecast.objects.filter(year=2024).order_by("rank").first()
    rows = body.split('<tr data-country="')[1:]
    assert rows[0].startswith(top.country)
    # Sorting and filtering
    resp = watch_admin.get(reverse("countries:watch_list") + "?sort=alerts&only=alerts")
    rows = resp.content.decode().split('<tr data-country="')[1:]
    assert rows and rows[0].startswith("MMR")  # the UCDP sample's alerts are all Myanmar's
    resp = watch_admin.get(reverse("countries:watch_list") + "?q=myanmar")
    assert resp.content.decode().count('<tr data-country="') == 1


def test_map_links_countries_and_uses_no_inline_style(watch_admin, watch_world):
    body = watch_admin.get(reverse("countries:watch_list")).content.decode()
    svg = body[body.index("<svg"):body.index("</svg>")]
    assert 'href="/countries/MMR/"' in svg
    assert "style=" not in svg  # the CSP allows no inline style


def test_country_page_shows_the_three_strands(watch_admin, watch_world):
    resp = watch_admin.get(reverse("countries:country", args=["MMR"]))
    body = resp.content.decode()
    assert resp.status_code == 200
    for section in ("forecast", "signals", "subnational", "alerts", "assessments",
                    "recommendations", "country-map", "weekly-events", "drivers-chart"):
        assert f'id="{section}"' in body, section
    assert "Mandalay" in body  # sub-national units from UCDP's admin1
    assert "Myanmar test assessment" in body
    assert "snapshot as of" in body  # treaty rows carry their date
    # a probability is shown with what the backtest says it is worth
    assert 'id="forecast-reading"' in body and "not a prediction" in body
    from tocsin.web.countries.models import Forecast

    if Forecast.objects.filter(country="MMR").values("year").distinct().count() > 1:
        assert 'id="history-chart"' in body


def test_country_page_unknown_code_is_404(watch_admin, watch_world):
    assert watch_admin.get("/countries/QQQ/").status_code == 404
