"""Regions for the tracker's filter: the Early Warning Project's six regions.

``data/regions.csv``: ISO3 -> region, from the region columns of the Statistical Risk
Assessment's predictors bundled with ``tocsin.forecast`` (``reg.na``, ``reg.eap``,
``reg.sca``, ``reg.mna``, ``reg.eur``; none of them: sub-Saharan Africa), plus the small
states EWP leaves out (population under 500,000), added by hand (``source`` "added").
See data/README.md.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib.resources import files

from django.utils.translation import gettext_lazy as _

REGIONS = {
    "sub-saharan-africa": _("Sub-Saharan Africa"),
    "middle-east-north-africa": _("Middle East and North Africa"),
    "americas": _("Americas"),
    "east-asia-pacific": _("East Asia and Pacific"),
    "south-central-asia": _("South and Central Asia"),
    "europe": _("Europe"),
}


@cache
def region_of() -> dict[str, str]:
    """ISO3 -> region code (a key of ``REGIONS``)."""
    text = files("tocsin.web.tracker").joinpath("data", "regions.csv").read_text(
        encoding="utf-8")
    out = {r["iso3"]: r["region"] for r in csv.DictReader(text.splitlines())}
    unknown = set(out.values()) - set(REGIONS)
    if unknown:
        raise LookupError(f"regions.csv names regions without a display name: {unknown}")
    return out
