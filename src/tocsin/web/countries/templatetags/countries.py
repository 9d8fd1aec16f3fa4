"""Template filters of the watch list and the country page: probabilities and their bands."""

from django import template

from tocsin.web.countries.charts import NO_FATALITIES, SOURCE_NAMES, band_index, percent

register = template.Library()


@register.filter
def pct(p, digits=1):
    """0.0423 -> '4.2%' ('4,2 %' in French); empty for a missing value."""
    if p is None or p == "":
        return ""
    return percent(float(p), int(digits))


@register.filter
def band(p):
    """The CSS class of the probability band (b0..b4), as on the map."""
    if p is None or p == "":
        return "bnone"
    return f"b{band_index(float(p))}"


@register.filter
def source_name(code):
    """An event source's code as its name ('ucdp-ged': 'UCDP GED')."""
    return SOURCE_NAMES.get(code, code)


@register.filter
def counts_deaths(code):
    """False for a source that never counts deaths (GDELT): its zero is no figure."""
    return code not in NO_FATALITIES
