"""The one look of Tocsin's charts: font, ink, grid, legend, for the reports, the
site, the alert charts and the forecast's calibration chart alike, and the offline
rendering of Vega-Lite to SVG and PNG.

vl-convert renders without a browser or the network, so charts are drawn on an
air-gapped machine. The font is DejaVu Sans, which WeasyPrint has too, so text in an
SVG measures the same in HTML and PDF.
"""

from __future__ import annotations

import copy
from pathlib import Path

FONT = "DejaVu Sans"
INK = "#1f2933"
MUTED = "#6b7280"
GRID = "#e5e7eb"
DOMAIN = "#9ca3af"
PNG_SCALE = 2  # charts are drawn at 96 dpi; the PNG files are twice that


# An axis ``labelExpr`` that breaks a label at its newlines: with ``wrap`` below, long
# category names (risk factors, measures) are shown whole on two lines, never cut.
LINE_BREAKS = "split(datum.label, '\\n')"


def wrap(text: str, width: int = 44) -> str:
    """``text`` broken into lines of at most ``width`` characters (a longer word stays
    whole), joined by newlines, for an axis that uses ``LINE_BREAKS``."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False)) or text


def theme() -> dict:
    """Vega-Lite's ``config`` block of the theme."""
    return {
        "font": FONT, "background": "white", "view": {"stroke": None},
        "axis": {"labelColor": INK, "titleColor": INK, "labelFontSize": 10,
                 "titleFontSize": 10, "gridColor": GRID, "domainColor": DOMAIN,
                 "tickColor": DOMAIN},
        "legend": {"labelFontSize": 10, "titleFontSize": 10, "labelColor": INK,
                   "titleColor": INK, "orient": "bottom", "direction": "horizontal"},
        "title": {"fontSize": 12, "subtitleFontSize": 10, "color": INK,
                  "subtitleColor": MUTED, "anchor": "start"},
    }


def themed(spec) -> dict:
    """A Vega-Lite spec (a dict, or an Altair chart) with the theme; what the spec sets
    itself wins over the theme."""
    spec = copy.deepcopy(spec if isinstance(spec, dict) else spec.to_dict())
    config = theme()
    for key, value in spec.get("config", {}).items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    spec["config"] = config
    return spec


def _locales(locale: str | None) -> dict:
    """vl-convert's arguments for a d3 locale name ("fr-FR": "oct. 2019", "1 234,5"):
    month and day names, decimal and thousands marks. None keeps d3's default (en-US)."""
    return {} if not locale else {"format_locale": locale, "time_format_locale": locale}


def to_svg(spec, locale: str | None = None) -> str:
    """The chart as SVG; ``locale`` (a d3 locale name such as "fr-FR") writes its dates
    and numbers."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(themed(spec), allowed_base_urls=[], **_locales(locale))


def to_png(spec, scale: float = PNG_SCALE, locale: str | None = None) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(themed(spec), scale=scale, allowed_base_urls=[],
                               **_locales(locale))


def write(spec, path: Path | str, scale: float = PNG_SCALE) -> Path:
    """Write the chart as ``.svg`` or ``.png`` (by the file's suffix), atomically."""
    from tocsin.atomic import write_atomic

    path = Path(path)
    if path.suffix.lower() == ".svg":
        return write_atomic(path, to_svg(spec))
    return write_atomic(path, to_png(spec, scale))
