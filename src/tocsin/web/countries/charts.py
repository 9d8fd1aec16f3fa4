"""The site's charts and map: Vega-Lite specs rendered to SVG on the server.

vl-convert renders without a browser or the network (as the reports do), so the
pages work air-gapped and under the site's content security policy (no script
runs for a chart). The world map draws the bundled Natural Earth boundaries
(``data/world-110m.geojson``, rings clockwise as Vega-Lite's geoshape needs).
SVGs are cached per process by the data they draw.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from functools import cache
from importlib.resources import files

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tocsin.web.countries.data import _Cache

FONT = "DejaVu Sans"
INK = "#1d2733"
# Probability bands of the watch list. EWP-style forecasts of a new mass killing
# within two years are mostly below 1%; the highest reach 10-20%. Sequential
# colours, readable in greyscale.
BANDS = [(0.0, "#f3efe6"), (0.01, "#f6d28b"), (0.03, "#e9a25b"), (0.06, "#d0643a"),
         (0.12, "#9f1d35")]
NO_DATA = "#dfe3e8"
_svg_cache = _Cache(128)


@cache
def boundaries() -> dict:
    text = files("tocsin.web.countries").joinpath("data", "world-110m.geojson").read_text()
    return json.loads(text)


def _config(spec: dict) -> dict:
    spec.setdefault("config", {}).update({
        "font": FONT, "background": "white", "view": {"stroke": None},
        "axis": {"labelColor": INK, "titleColor": INK, "gridColor": "#e5e7eb",
                 "labelFontSize": 10, "titleFontSize": 10},
        "legend": {"labelFontSize": 10, "titleFontSize": 10, "orient": "bottom"},
    })
    return spec


def _render(spec: dict) -> str:
    import vl_convert as vlc

    key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    hit = _svg_cache.get(key)
    if hit is not None:
        return hit
    svg = vlc.vegalite_to_svg(_config(spec), allowed_base_urls=[])
    return _svg_cache.put(key, _strip_styles(svg))


_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')


def _strip_styles(svg: str) -> str:
    """The page's CSP allows no inline style: turn the SVG's few ``style`` attributes
    (font settings on text) into presentation attributes, which the CSP allows."""
    def attrs(m):
        out = []
        for decl in m.group(1).split(";"):
            if ":" in decl:
                k, v = (s.strip() for s in decl.split(":", 1))
                if re.fullmatch(r"[a-z-]+", k):
                    out.append(f' {k}="{v.replace(chr(34), "")}"')
        return "".join(out)

    return _STYLE_ATTR.sub(attrs, svg)


def legend() -> list[str]:
    """Labels of the bands: '< 1%', '1-3%', ..., '>= 12%'."""
    edges = [lo for lo, _c in BANDS]
    out = [f"< {edges[1]:.0%}"]
    out += [f"{a:.0%}–{b:.0%}" for a, b in zip(edges[1:], edges[2:], strict=False)]
    return out + [f"≥ {edges[-1]:.0%}"]


def band_colour(p: float | None) -> str:
    if p is None:
        return NO_DATA
    colour = BANDS[0][1]
    for lo, c in BANDS:
        if p >= lo:
            colour = c
    return colour


# The world map's projection. Natural Earth I, not Equal Earth: Equal Earth keeps areas
# true by squeezing the high latitudes under a long flat pole line, so everything north
# of 80N (the Canadian Arctic islands, northern Greenland) fitted in the top 3 pixels
# and the map read as cut off along its northern edge. Natural Earth I gives 60-84N
# half as much height again and 80-84N more than twice as much.
PROJECTION = "naturalEarth1"
MAP_MARGIN = 4  # pixels between the northernmost (and every outermost) land and the edge


def _ne1(lon: float, lat: float) -> tuple[float, float]:
    """d3-geo's naturalEarth1Raw (unit scale, y up): the aspect ratio of the map."""
    lam, phi = math.radians(lon), math.radians(lat)
    p2 = phi * phi
    p4 = p2 * p2
    x = lam * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2
                                                                 - 0.001529 * p4)))
    y = phi * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2
                                                  - 0.005916 * p4)))
    return x, y


@cache
def world_extent() -> tuple[float, float, float, float]:
    """(west, south, east, north) of the bundled boundaries, longitudes the whole circle
    (countries cross the antimeridian, so the map spans -180..180)."""
    lats: list[float] = []

    def walk(c):
        if isinstance(c[0], (int, float)):
            lats.append(c[1])
        else:
            for part in c:
                walk(part)

    for f in boundaries()["features"]:
        walk(f["geometry"]["coordinates"])
    return -180.0, min(lats), 180.0, max(lats)


def extent_outline() -> dict:
    """The extent as GeoJSON points along its edge (the parallels at its south and
    north, the antimeridian on both sides, the equator's ends, where the map is widest),
    for the projection's ``fit``: the fit no longer depends on which countries are
    drawn, and nothing of the extent falls outside the view."""
    west, south, east, north = world_extent()
    lats = sorted({south, north, 0.0, *range(math.ceil(south), math.floor(north) + 1)})
    pts = [[lon, lat] for lat in lats for lon in (west, east)]
    pts += [[float(lon), lat] for lat in (south, north) for lon in range(-180, 181, 5)]
    return {"type": "Feature", "properties": {},
            "geometry": {"type": "MultiPoint", "coordinates": pts}}


def map_height(width: int, margin: int = MAP_MARGIN) -> int:
    """The height at which the extent fills ``width`` (less the margins) exactly."""
    west, south, east, north = world_extent()
    span_x = _ne1(east, 0.0)[0] - _ne1(west, 0.0)[0]
    span_y = _ne1(0.0, north)[1] - _ne1(0.0, south)[1]
    return math.ceil((width - 2 * margin) * span_y / span_x) + 2 * margin


def world_map_spec(risk: dict[str, float], names: dict[str, str], links: dict[str, str],
                   highlight: str | None = None, width: int = 860, title: str = "") -> dict:
    """The Vega-Lite spec of the world map (``world_map`` renders it)."""
    feats = []
    for f in boundaries()["features"]:
        iso = f["id"]
        p = risk.get(iso)
        props = {"iso3": iso, "name": names.get(iso, f["properties"]["name"]),
                 "colour": band_colour(p),
                 "risk": "no forecast" if p is None else f"{p:.1%}",
                 "href": links.get(iso, ""),
                 "stroke": "#111" if iso == highlight else "#ffffff",
                 "sw": 1.6 if iso == highlight else 0.4}
        feats.append({"type": "Feature", "id": iso, "properties": props,
                      "geometry": f["geometry"]})
    height = map_height(width)
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width, "height": height, "title": title,
        "data": {"values": {"type": "FeatureCollection", "features": feats},
                 "format": {"type": "json", "property": "features"}},
        # Fitted to the whole extent of the boundaries, inside a margin: the north of
        # Greenland and Canada's Arctic islands, the south of Chile, both antimeridians.
        "projection": {"type": PROJECTION, "fit": extent_outline(),
                       "extent": [[MAP_MARGIN, MAP_MARGIN],
                                  [width - MAP_MARGIN, height - MAP_MARGIN]]},
        "mark": {"type": "geoshape"},
        "encoding": {
            "color": {"field": "properties.colour", "type": "nominal", "scale": None},
            "stroke": {"field": "properties.stroke", "type": "nominal", "scale": None},
            "strokeWidth": {"field": "properties.sw", "type": "quantitative", "scale": None},
            "tooltip": [{"field": "properties.name", "title": _("Country")},
                        {"field": "properties.risk", "title": _("Forecast")}],
            "href": {"field": "properties.href"},
        },
    }


def world_map(risk: dict[str, float], names: dict[str, str], links: dict[str, str],
              highlight: str | None = None, width: int = 860, title: str = "") -> str:
    """Countries coloured by forecast probability; each links to its country page."""
    key = ("map", get_language(), tuple(sorted(risk.items())), highlight, width, title,
           tuple(sorted(links.items())))  # names: a static table
    hit = _svg_cache.get(key)
    if hit is not None:
        return hit
    spec = world_map_spec(risk, names, links, highlight, width, title)
    return _svg_cache.put(key, _link_shapes(_render(spec)))


_SHAPE = re.compile(r'<path aria-label="([^"]*)"([^>]*?)/>')


_VEGA_LINK = re.compile(r'<a xlink:href="[^"]*">|</a>')


def _link_shapes(svg: str) -> str:
    """Vega resolves ``href`` against its own default base URL (vega-datasets on the
    internet): drop its links and wrap each country's shape in a plain relative one,
    with a title for the hover tip, keeping only the readable part of its aria-label."""
    svg = _VEGA_LINK.sub("", svg)

    def one(m):
        parts = dict(p.split(": ", 1) for p in m.group(1).split("; ") if ": " in p)
        href = parts.get("properties.href", "")
        readable = [(k, v) for k, v in parts.items() if not k.startswith("properties")]
        label = "; ".join(f"{k}: {v}" for k, v in readable)
        tip = ": ".join(v for _k, v in readable)  # "Kenya: 3.1%"
        shape = f'<path aria-label="{label}"{m.group(2)}><title>{tip}</title></path>'
        return f'<a href="{href}">{shape}</a>' if href.startswith("/") else shape

    return _SHAPE.sub(one, svg)


def _by_identity(kind: str, rows: list, *args):
    """The cached SVG drawn from this very list (the data layer caches its results, so
    the same list comes back until the store changes): no hashing of a large spec."""
    hit = _svg_cache.get((kind, id(rows), *args))
    return hit[1] if hit is not None and hit[0] is rows else None


def weekly_chart(rows: list[dict], measure: str = "events", width: int = 820,
                 title: str = "") -> str:
    """Stacked weekly bars by event class, one panel per source."""
    if not rows:
        return ""
    hit = _by_identity("weekly", rows, measure, width, title, get_language())
    if hit is not None:
        return hit
    sources = sorted({r["source"] for r in rows})
    spec = {
        "data": {"values": rows},
        "title": title,
        # No per-bar aria-label: with two years of a dozen classes they would be most of
        # the page's weight; the chart has a heading and the data is in the API.
        "mark": {"type": "bar", "aria": False},
        "width": width, "height": 140 if len(sources) > 1 else 180,
        "encoding": {
            "x": {"field": "week", "type": "temporal", "title": None,
                  "timeUnit": "yearmonthdate", "axis": {"format": "%b %Y", "labelAngle": 0}},
            "y": {"aggregate": "sum", "field": measure, "type": "quantitative",
                  "title": {"events": _("events"), "fatalities": _("fatalities")}.get(measure,
                                                                                   measure)},
            "color": {"field": "event_class", "type": "nominal", "title": _("Event class"),
                      "scale": {"scheme": "tableau10"}},
            "tooltip": [{"field": "week", "type": "temporal"},
                        {"field": "event_class"}, {"field": measure, "aggregate": "sum"}],
        },
    }
    if len(sources) > 1:
        spec["encoding"]["row"] = {"field": "source", "type": "nominal", "title": None}
    svg = _render(spec)
    _svg_cache.put(("weekly", id(rows), measure, width, title, get_language()), (rows, svg))
    return svg


def history_chart(points: list[dict], width: int = 380) -> str:
    """Forecast probability by year (one point per imported forecast year)."""
    if not points:
        return ""
    spec = {
        "data": {"values": points}, "width": width, "height": 150,
        "mark": {"type": "line", "point": True, "color": "#9f1d35"},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": _("Base year"),
                  "axis": {"labelAngle": 0}},
            "y": {"field": "probability", "type": "quantitative", "title": _("Probability"),
                  "axis": {"format": ".1%"}},
            "tooltip": [{"field": "year"}, {"field": "probability", "format": ".2%"}],
        },
    }
    return _render(spec)


def drivers_chart(drivers: list[dict], width: int = 380) -> str:
    """Contributions (log-odds) of the forecast's main drivers, up in red, down in green."""
    if not drivers:
        return ""
    rows = [{"label": d.get("label") or d["predictor"], "contribution": d["contribution"],
             "side": d["side"]} for d in drivers]
    spec = {
        "data": {"values": rows}, "width": width, "height": 18 * len(rows),
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": "-x", "title": None,
                  "axis": {"labelLimit": 230}},
            "x": {"field": "contribution", "type": "quantitative",
                  "title": _("Contribution to log-odds")},
            "color": {"field": "side", "type": "nominal", "legend": None,
                      "scale": {"domain": ["up", "down"], "range": ["#b5473a", "#3c8d6b"]}},
        },
    }
    return _render(spec)
