"""Countries (every country with a forecast or an alert, ranked) and forecasts."""

from __future__ import annotations

from ninja import Path, Query, Router

from tocsin import countries as country_codes
from tocsin.web.api.params import ISO3, checked_country
from tocsin.web.api.schemas import CountryOut, ForecastOut, Problem

router = Router(tags=["countries"])


def country_rows():
    from tocsin.web.countries import data

    forecasts = data.latest_forecasts()
    alerts = data.alert_summary()
    names = data.country_names()
    out = []
    for iso in sorted(set(forecasts) | set(alerts)):
        f, a = forecasts.get(iso), alerts.get(iso, {})
        out.append({"country": iso, "name": names.get(iso, (f.name if f else "") or iso),
                    "probability": f.probability if f else None, "year": f.year if f else None,
                    "rank": f.rank if f else None, "alerts": a.get("alerts", 0),
                    "open_alerts": a.get("open", 0), "top_open_severity": a.get("top", "")})
    out.sort(key=lambda r: (r["probability"] is None, -(r["probability"] or 0), r["country"]))
    return out


def forecast_dict(f) -> dict:
    return {"country": f.country, "year": f.year, "probability": f.probability, "rank": f.rank,
            "drivers": f.drivers, "model": f.model, "source_file": f.source_file}


@router.get("/countries", response=list[CountryOut], url_name="countries")
def list_countries(request):
    """Every country with a forecast or an alert, ranked by the latest forecast."""
    return country_rows()


@router.get("/countries/{iso3}", response={200: CountryOut, 404: Problem}, url_name="country")
def get_country(request, iso3: str = Path(..., pattern=ISO3)):
    iso3 = iso3.upper()
    if not country_codes.is_known(iso3):
        return 404, {"detail": "not a country Tocsin knows (ISO 3166-1 alpha-3, e.g. KEN)"}
    for row in country_rows():
        if row["country"] == iso3:
            return row
    return 404, {"detail": "no forecast or alert for this country"}


@router.get("/forecasts", response=list[ForecastOut], url_name="forecasts")
def list_forecasts(request, country: str | None = Query(None, pattern=ISO3),
                   year: int | None = Query(None, ge=1900, le=2200)):
    """Forecasts as imported (one row per country, year and model)."""
    from tocsin.web.countries.models import Forecast

    qs = Forecast.objects.order_by("-year", "-probability", "country")
    if country:
        qs = qs.filter(country=checked_country(country))
    if year:
        qs = qs.filter(year=year)
    return [forecast_dict(f) for f in qs]

