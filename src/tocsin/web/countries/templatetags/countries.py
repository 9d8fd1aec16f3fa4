"""Template filters of the watch list and the country page: probabilities and their bands."""

from django import template

from tocsin.web.countries.charts import BANDS

register = template.Library()


@register.filter
def pct(p, digits=1):
    """0.0423 -> '4.2%'; empty for a missing value."""
    if p is None or p == "":
        return ""
    return f"{float(p) * 100:.{int(digits)}f}%"


@register.filter
def band(p):
    """The CSS class of the probability band (b0..b4), as on the map."""
    if p is None or p == "":
        return "bnone"
    n = 0
    for i, (lo, _c) in enumerate(BANDS):
        if float(p) >= lo:
            n = i
    return f"b{n}"
