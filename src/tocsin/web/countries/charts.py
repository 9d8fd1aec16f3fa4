"""The site's charts and maps: Vega-Lite specs rendered to SVG on the server.

vl-convert renders without a browser or the network (as the reports do), so the
pages work air-gapped and under the site's content security policy (no script
runs for a chart). The look is Tocsin's one chart theme (``tocsin.charts``); dates
and numbers are written in the interface's language. Every SVG is responsive: its
``viewBox`` keeps the drawing, its width is that of its card. The maps draw the
bundled Natural Earth boundaries (``data/world-110m.geojson``, rings clockwise as
Vega-Lite's geoshape needs): the watch list's the whole world, a country page's the
country with its neighbours. SVGs are cached per process by the data they draw.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import math
import re
from functools import cache
from importlib.resources import files

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tocsin import charts as theme
from tocsin.web.countries.data import _Cache

FONT = theme.FONT
INK = theme.INK
# Probability bands of the watch list. EWP-style forecasts of a new mass killing
# within two years are mostly below 1%; the highest reach 10-20%. A sequential
# palette (ColorBrewer YlOrRd, its palest step left out so that the lowest band is
# not mistaken for the background), dark enough at the top to read in greyscale;
# every shape and swatch also has an outline (OUTLINE). The site's stylesheet
# (static/countries/countries.css, classes b0..b4) repeats these colours: a test
# keeps the two equal.
BANDS = [(0.0, "#fed976"), (0.01, "#feb24c"), (0.03, "#fd8d3c"), (0.06, "#e31a1c"),
         (0.12, "#800026")]
NO_DATA = "#e3e6ea"
OUTLINE = "#7b8794"
FOCUS = "#111111"
_svg_cache = _Cache(128)

# The widths charts are drawn at: that of a full-width card and of half of one on a
# desktop screen (main is 1250 pixels), so that text is drawn at its size there; on a
# narrower screen the SVG scales down with its card.
FULL_WIDTH = 1160
HALF_WIDTH = 560


@cache
def boundaries() -> dict:
    text = files("tocsin.web.countries").joinpath("data", "world-110m.geojson").read_text()
    return json.loads(text)


# --- rendering -------------------------------------------------------------------------------

LOCALES = {"en": "en-US", "fr": "fr-FR"}


def locale() -> str:
    """The d3 locale of the interface's language (month names, decimal mark)."""
    return LOCALES.get((get_language() or "en").split("-")[0], "en-US")


def _render(spec: dict) -> str:
    loc = locale()
    key = hashlib.sha256(json.dumps([spec, loc], sort_keys=True, default=str)
                         .encode()).hexdigest()
    hit = _svg_cache.get(key)
    if hit is not None:
        return hit
    return _svg_cache.put(key, responsive(_strip_styles(theme.to_svg(spec, locale=loc))))


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


_ROOT = re.compile(r'<svg\b[^>]*>')


def responsive(svg: str) -> str:
    """The SVG as wide as its container, its height following from its ``viewBox``
    (the drawing's own size stays in the viewBox)."""
    m = _ROOT.search(svg)
    if not m:
        return svg
    root = m.group(0)
    size = re.search(r'\swidth="([\d.]+)"\s+height="([\d.]+)"', root)
    if not size:
        return svg
    w, h = size.groups()
    new = root.replace(size.group(0), ' width="100%"')
    if "viewBox=" not in new:
        new = new.replace("<svg", f'<svg viewBox="0 0 {w} {h}"', 1)
    if "preserveAspectRatio" not in new:
        new = new.replace("<svg", '<svg preserveAspectRatio="xMidYMid meet"', 1)
    return svg[:m.start()] + new + svg[m.end():]


def percent(p: float, digits: int = 1) -> str:
    """A probability as a percentage in the interface's language: '4.2%', '4,2 %'."""
    from django.utils.formats import number_format
    from django.utils.translation import pgettext

    n = number_format(round(float(p) * 100, digits), decimal_pos=digits)
    # Translators: a percentage; French puts a (non-breaking) space before the sign.
    return pgettext("percentage", "%(n)s%%") % {"n": n}


def legend() -> list[str]:
    """Labels of the bands: '< 1%', '1-3%', ..., '>= 12%'."""
    edges = [lo for lo, _c in BANDS]
    out = [f"< {percent(edges[1], 0)}"]
    out += [f"{percent(a, 0)}–{percent(b, 0)}" for a, b in zip(edges[1:], edges[2:],
                                                                 strict=False)]
    return out + [f"≥ {percent(edges[-1], 0)}"]


def band_index(p: float | None) -> int | None:
    if p is None:
        return None
    n = 0
    for i, (lo, _c) in enumerate(BANDS):
        if p >= lo:
            n = i
    return n


def band_colour(p: float | None) -> str:
    n = band_index(p)
    return NO_DATA if n is None else BANDS[n][1]


# --- the world map ---------------------------------------------------------------------------

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


def _walk(coords, out: list) -> list:
    if isinstance(coords[0], (int, float)):
        out.append((coords[0], coords[1]))
    else:
        for part in coords:
            _walk(part, out)
    return out


@cache
def world_extent() -> tuple[float, float, float, float]:
    """(west, south, east, north) of the bundled boundaries, longitudes the whole circle
    (countries cross the antimeridian, so the map spans -180..180)."""
    lats = [lat for f in boundaries()["features"]
            for _lon, lat in _walk(f["geometry"]["coordinates"], [])]
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


def _features(risk, names, links, highlight, keep=None) -> list[dict]:
    feats = []
    for f in boundaries()["features"]:
        iso = f["id"]
        if keep is not None and iso not in keep:
            continue
        p = risk.get(iso)
        props = {"iso3": iso, "name": names.get(iso, f["properties"]["name"]),
                 "colour": band_colour(p),
                 "risk": _("no forecast") if p is None else percent(p),
                 "href": links.get(iso, ""),
                 "stroke": FOCUS if iso == highlight else OUTLINE,
                 "sw": 1.8 if iso == highlight else 0.5}
        feats.append({"type": "Feature", "id": iso, "properties": props,
                      "geometry": f["geometry"]})
    return feats


def _shape_encoding() -> dict:
    return {
        "color": {"field": "properties.colour", "type": "nominal", "scale": None},
        "stroke": {"field": "properties.stroke", "type": "nominal", "scale": None},
        "strokeWidth": {"field": "properties.sw", "type": "quantitative", "scale": None},
        "tooltip": [{"field": "properties.name", "title": _("Country")},
                    {"field": "properties.risk", "title": _("Forecast")}],
        "href": {"field": "properties.href"},
    }


def world_map_spec(risk: dict[str, float], names: dict[str, str], links: dict[str, str],
                   highlight: str | None = None, width: int = FULL_WIDTH,
                   title: str = "") -> dict:
    """The Vega-Lite spec of the world map (``world_map`` renders it)."""
    height = map_height(width)
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width, "height": height, "title": title,
        "data": {"values": {"type": "FeatureCollection",
                            "features": _features(risk, names, links, highlight)},
                 "format": {"type": "json", "property": "features"}},
        # Fitted to the whole extent of the boundaries, inside a margin: the north of
        # Greenland and Canada's Arctic islands, the south of Chile, both antimeridians.
        "projection": {"type": PROJECTION, "fit": extent_outline(),
                       "extent": [[MAP_MARGIN, MAP_MARGIN],
                                  [width - MAP_MARGIN, height - MAP_MARGIN]]},
        "mark": {"type": "geoshape"},
        "encoding": _shape_encoding(),
    }


def world_map(risk: dict[str, float], names: dict[str, str], links: dict[str, str],
              highlight: str | None = None, width: int = FULL_WIDTH, title: str = "") -> str:
    """Countries coloured by forecast probability; each links to its country page."""
    key = ("map", get_language(), tuple(sorted(risk.items())), highlight, width, title,
           tuple(sorted(links.items())))  # names: a static table
    hit = _svg_cache.get(key)
    if hit is not None:
        return hit
    spec = world_map_spec(risk, names, links, highlight, width, title)
    return _svg_cache.put(key, _link_shapes(_render(spec)))


# --- a country's map: the country and its neighbours ----------------------------------------

MIN_SPAN = 20.0  # degrees of latitude and longitude a country's map shows at the least
PAD = 0.45  # of the country's own span, on each side: room for its neighbours...
MAX_PAD = 12.0  # ...but not a continent's (degrees)
MAIN_PART = 0.17  # parts smaller than this share of the largest leave the frame alone


def _ring_area(ring) -> float:
    """The ring's area in square degrees, narrowed by the cosine of its latitude: about
    proportional to its area on the ground (Alaska is not the size of the 48 states)."""
    plane = abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1)
                    in zip(ring, ring[1:] + ring[:1], strict=True))) / 2
    return plane * math.cos(math.radians(sum(lat for _lon, lat in ring) / len(ring)))


def _polygons(geometry) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


@cache
def country_extent(iso3: str) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the country's main land in the bundled boundaries,
    or None if they do not have it. Far, small parts (French Guiana for France, Hawaii,
    Svalbard, the tip of Chukotka beyond the antimeridian) are left out so that they do
    not pull the frame away (Alaska, a fifth of the United States, stays); a country
    across the antimeridian (Fiji) gets an east beyond 180."""
    feature = next((f for f in boundaries()["features"] if f["id"] == iso3), None)
    if feature is None:
        return None
    parts = [(_ring_area(p[0]), p[0]) for p in _polygons(feature["geometry"]) if p]
    if not parts:
        return None
    largest = max(a for a, _r in parts)
    rings = [r for a, r in parts if a >= MAIN_PART * largest]
    lons = [lon for r in rings for lon, _lat in r]
    if max(lons) - min(lons) > 180:  # across the antimeridian: count west as east of 180
        lons = [lon + 360 if lon < 0 else lon for lon in lons]
    lats = [lat for r in rings for _lon, lat in r]
    return min(lons), min(lats), max(lons), max(lats)


def country_frame(iso3: str) -> tuple[float, float, float, float] | None:
    """The country's extent padded for its neighbours, at least ``MIN_SPAN`` degrees
    each way, latitudes within +-85."""
    ext = country_extent(iso3)
    if ext is None:
        return None
    west, south, east, north = ext
    pad_x = max(min((east - west) * PAD, MAX_PAD), (MIN_SPAN - (east - west)) / 2, 1.0)
    pad_y = max(min((north - south) * PAD, MAX_PAD), (MIN_SPAN - (north - south)) / 2, 1.0)
    return (west - pad_x, max(south - pad_y, -85.0), east + pad_x, min(north + pad_y, 85.0))


def _frame_points(frame) -> list[list[float]]:
    west, south, east, north = frame
    n = 16
    pts = []
    for i in range(n + 1):
        lon = west + (east - west) * i / n
        lat = south + (north - south) * i / n
        pts += [[lon, south], [lon, north], [west, lat], [east, lat]]
    return pts


def _overlaps(feature, frame) -> bool:
    west, south, east, north = frame
    pts = _walk(feature["geometry"]["coordinates"], [])
    lats = [lat for _lon, lat in pts]
    if max(lats) < south or min(lats) > north:
        return False
    for shift in (-360, 0, 360):
        lons = [lon + shift for lon, _lat in pts]
        if max(lons) >= west and min(lons) <= east:
            return True
    return False


def _labels(frame, keep: set[str], names: dict[str, str], focus: str) -> list[dict]:
    """Where to write the names of the countries on a country's map: the middle of each
    one's main land seen in the frame (away from its edges), for those that show enough
    of themselves; the country itself always."""
    west, south, east, north = frame
    mx, my = (east - west) * 0.1, (north - south) * 0.07
    out = []
    for f in boundaries()["features"]:
        iso = f["id"]
        if iso not in keep:
            continue
        parts = [p[0] for p in _polygons(f["geometry"]) if p]
        if not parts:
            continue
        best, best_ring = [], None
        for ring in sorted(parts, key=_ring_area, reverse=True):
            for shift in (-360, 0, 360):
                moved = [(lon + shift, lat) for lon, lat in ring]
                inside = [(x, y) for x, y in moved
                          if west + mx < x < east - mx and south + my < y < north - my]
                if len(inside) > len(best):
                    best, best_ring = inside, moved
        if not best:
            continue
        xs, ys = [x for x, _y in best], [y for _x, y in best]
        seen = (max(xs) - min(xs)) * (max(ys) - min(ys))
        if iso != focus and seen < (east - west) * (north - south) / 40:
            continue
        lat = sorted(ys)[len(ys) // 2]
        lon = _widest_crossing(best_ring, lat, west + mx, east - mx)
        if lon is None:
            lon = (min(xs) + max(xs)) / 2
        out.append({"lon": lon, "lat": lat, "size": seen,
                    "name": _short_name(iso, names, f["properties"]["name"]),
                    "focus": iso == focus})
    # The country first, then the largest; a name that would overlap one already
    # written is left out (hovering a shape still names it).
    placed: list[dict] = []
    for lab in sorted(out, key=lambda d: (not d["focus"], -d["size"])):
        if all(abs(lab["lat"] - o["lat"]) > (north - south) * 0.06
               or abs(lab["lon"] - o["lon"]) > (east - west) * 0.017 * (
                   len(lab["name"]) + len(o["name"])) / 2 for o in placed):
            placed.append(lab)
    return [{"lon": d["lon"] - 360 if d["lon"] > 180 else d["lon"], "lat": d["lat"],
             "name": d["name"], "focus": d["focus"]} for d in placed]


def _widest_crossing(ring, lat: float, west: float, east: float) -> float | None:
    """The middle of the widest stretch of the parallel ``lat`` inside the ring, within
    west..east: a point on the land itself, even for a thin or bent country (Chile),
    where the middle of its box may lie in a neighbour."""
    xs = []
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y0 <= lat < y1) or (y1 <= lat < y0):
            xs.append(x0 + (lat - y0) * (x1 - x0) / (y1 - y0))
    xs.sort()
    spans = [(max(a, west), min(b, east)) for a, b in zip(xs[0::2], xs[1::2], strict=False)]
    spans = [(a, b) for a, b in spans if b > a]
    if not spans:
        return None
    a, b = max(spans, key=lambda ab: ab[1] - ab[0])
    return (a + b) / 2


def _short_name(iso: str, names: dict[str, str], natural_earth: str) -> str:
    """A name short enough to write on a map: Tocsin's, unless it is a long or inverted
    ISO name ("Congo, The Democratic Republic of the"), then Natural Earth's ("Dem. Rep.
    Congo")."""
    name = names.get(iso) or natural_earth
    return natural_earth if (", " in name or len(name) > 20) and natural_earth else name


def country_map_spec(iso3: str, risk: dict[str, float], names: dict[str, str],
                     links: dict[str, str], width: int = HALF_WIDTH) -> dict | None:
    """The Vega-Lite spec of a country's map: the projection fitted to the country's
    padded frame (``country_frame``), centred on it, the view filled and clipped, with
    the countries around it coloured by their forecast and named."""
    frame = country_frame(iso3)
    if frame is None:
        return None
    west, south, east, north = frame
    centre = (west + east) / 2
    # The frame's shape once projected: the map is as high as it needs, within reason.
    xy = [_ne1(lon - centre, lat) for lon, lat in _frame_points(frame)]
    aspect = ((max(y for _x, y in xy) - min(y for _x, y in xy))
              / max(max(x for x, _y in xy) - min(x for x, _y in xy), 1e-9))
    height = round(width * min(max(aspect, 0.62), 1.15))
    keep = {f["id"] for f in boundaries()["features"] if _overlaps(f, frame)} | {iso3}
    feats = _features(risk, names, links, iso3, keep)
    labels = _labels(frame, keep, names, iso3)
    projection = {"type": PROJECTION, "rotate": [-centre, 0, 0],
                  "fit": {"type": "Feature", "properties": {},
                          "geometry": {"type": "MultiPoint",
                                       "coordinates": _frame_points(frame)}},
                  "extent": [[0, 0], [width, height]]}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width, "height": height, "projection": projection,
        "layer": [
            {"data": {"values": {"type": "FeatureCollection", "features": feats},
                      "format": {"type": "json", "property": "features"}},
             "mark": {"type": "geoshape", "clip": True}, "encoding": _shape_encoding()},
            # Names, on a white halo (a stroked copy underneath) to read on any colour.
            *({"data": {"values": labels},
               "mark": {"type": "text", "clip": True, "aria": False, "fontSize": 10,
                        **paint},
               "encoding": {"longitude": {"field": "lon", "type": "quantitative"},
                            "latitude": {"field": "lat", "type": "quantitative"},
                            "text": {"field": "name"},
                            "fontWeight": {"condition": {"test": "datum.focus",
                                                         "value": "bold"},
                                           "value": "normal"}}}
              for paint in ({"fill": "white", "stroke": "white", "strokeWidth": 3,
                             "strokeOpacity": 0.85, "strokeJoin": "round"}, {"fill": INK})),
        ],
    }


def country_map(iso3: str, risk: dict[str, float], names: dict[str, str],
                links: dict[str, str], width: int = HALF_WIDTH) -> str:
    """The country and its neighbours, coloured by forecast, each linked to its page;
    the world map if the boundaries do not have the country."""
    spec = country_map_spec(iso3, risk, names, links, width)
    if spec is None:
        return world_map(risk, names, links, highlight=iso3, width=width)
    key = ("country-map", get_language(), iso3, width, tuple(sorted(risk.items())),
           tuple(sorted(links.items())))
    hit = _svg_cache.get(key)
    if hit is not None:
        return hit
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


# --- weekly signals, in a time unit that fits their span ------------------------------------

WEEK_SPAN = 183  # days: up to about six months, bars by week
MONTH_SPAN = 5 * 366  # up to about five years by month; beyond, by year
MIN_PERIODS = 13  # a short series is shown within this many periods, not stretched
MAX_CLASSES = 7  # classes shown each; the others together as "other classes"
BAR_GAP = 0.14  # of a period, between two bars
SOURCE_NAMES = {"acled": "ACLED", "ucdp-ged": "UCDP GED", "gdelt1": "GDELT 1.0",
                "gdelt2": "GDELT 2.0"}
NO_FATALITIES = {"gdelt1", "gdelt2"}  # sources that never count deaths
OTHER = "\u2026"  # the key of the folded classes (its label is translated)
# Tableau 10, then darker colours unlike any of them: a page has at most a dozen classes.
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#1f3a5f", "#8c1d40", "#5b3c88", "#2e6b30", "#b35806",
           "#006d77"]
OTHER_COLOUR = "#d5d5d5"


def time_unit(first: dt.date, last: dt.date) -> str:
    """'week', 'month' or 'year': the unit of bars for weeks from ``first`` to ``last``
    (each the Monday of its week)."""
    days = (last - first).days + 7
    return "week" if days <= WEEK_SPAN else "month" if days <= MONTH_SPAN else "year"


def period_start(d: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return d - dt.timedelta(days=d.weekday())
    if unit == "month":
        return d.replace(day=1)
    return dt.date(d.year, 1, 1)


def next_period(d: dt.date, unit: str, n: int = 1) -> dt.date:
    """The start of the ``n``-th period after the one starting on ``d`` (n may be < 0)."""
    if unit == "week":
        return d + dt.timedelta(weeks=n)
    if unit == "month":
        m = d.year * 12 + d.month - 1 + n
        return dt.date(m // 12, m % 12 + 1, 1)
    return dt.date(d.year + n, 1, 1)


def _ms(d: dt.date | dt.datetime) -> int:
    if not isinstance(d, dt.datetime):
        d = dt.datetime(d.year, d.month, d.day)
    return int(calendar.timegm(d.timetuple()) * 1000)


def _week(r) -> dt.date:
    w = r["week"]
    return w if isinstance(w, dt.date) else dt.date.fromisoformat(str(w)[:10])


def class_label(code: str) -> str:
    """An event class in words, in the interface's language ('armed-clash': 'Armed
    clash'); the folded rest as 'other classes'."""
    from tocsin.web.countries import event_classes

    if code == OTHER:
        return _("other classes")
    return event_classes.name(code)


def class_colours(rows: list[dict]) -> dict[str, str]:
    """One colour per event class for every chart of a page, the most frequent first."""
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["event_class"]] = totals.get(r["event_class"], 0) + r["events"]
    order = sorted(totals, key=lambda c: (-totals[c], c))
    out = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(order)}
    out[OTHER] = OTHER_COLOUR
    return out


def _axis(unit: str, start: dt.date, end: dt.date, width: int) -> dict:
    """The time axis: one label per shown period (or per 2, 3, ... so they never crowd
    or repeat), centred under its bar, with the period written whole."""
    room = {"week": 120, "month": 80, "year": 48}[unit]
    steps = {"week": [1, 2, 4, 8, 13, 26, 52], "month": [1, 2, 3, 6, 12, 24],
             "year": [1, 2, 5, 10, 20, 50]}[unit]
    periods = []
    d = start
    while d < end:
        periods.append(d)
        d = next_period(d, unit)
    most = max(width // room, 2)
    step = next((s for s in steps if math.ceil(len(periods) / s) <= most), steps[-1])
    if unit == "week":
        shown = periods[::step]
    elif unit == "month":
        shown = [p for p in periods if (p.month - 1) % step == 0] if step > 1 else periods
    else:
        shown = [p for p in periods if p.year % step == 0] if step > 1 else periods
    shown = shown or periods[:1]
    mids = [(_ms(p) + _ms(next_period(p, unit))) // 2 for p in shown]
    fmt = {"week": "%-d %b %Y", "month": "%b %Y", "year": "%Y"}[unit]
    # The label of a tick is its period's start written in the unit ("21 Oct 2019",
    # "Oct 2019", "2019"); the tick is the period's middle (a week's is 3.5 days on).
    shift = "3.5 * 864e5" if unit == "week" else "0"
    title = {"week": _("Week (from Monday)"), "month": _("Month"), "year": _("Year")}[unit]
    return {"values": mids, "labelExpr": f"utcFormat(datum.value - {shift}, '{fmt}')",
            "labelAngle": 0, "labelOverlap": False, "grid": False, "title": title,
            "ticks": True, "labelFlush": False}


def _frame(first: dt.date, last: dt.date, unit: str) -> tuple[dt.date, dt.date]:
    """The x domain: the periods with data, widened back in time to ``MIN_PERIODS``
    (never past the latest) so that one week is a bar among weeks, not the whole
    plot."""
    start, stop = period_start(first, unit), next_period(period_start(last, unit), unit)
    n = 0
    d = start
    while d < stop:
        n += 1
        d = next_period(d, unit)
    if n < MIN_PERIODS:
        start = next_period(start, unit, n - MIN_PERIODS)
    return start, stop


def _bars(rows: list[dict], measure: str, unit: str) -> tuple[list[dict], list[str]]:
    """Rows summed by period and class, the classes beyond ``MAX_CLASSES`` folded;
    and the classes in stacking order (the largest at the bottom)."""
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["event_class"]] = totals.get(r["event_class"], 0) + r[measure]
    ranked = [c for c in sorted(totals, key=lambda c: (-totals[c], c)) if totals[c] > 0]
    kept = ranked if len(ranked) <= MAX_CLASSES else ranked[:MAX_CLASSES - 1]
    sums: dict[tuple, int] = {}
    for r in rows:
        if not r[measure]:
            continue
        c = r["event_class"] if r["event_class"] in kept else OTHER
        p = period_start(_week(r), unit)
        sums[(p, c)] = sums.get((p, c), 0) + r[measure]
    order = kept + ([OTHER] if len(kept) < len(ranked) else [])
    rank = {c: i for i, c in enumerate(order)}
    out = []
    for (p, c), v in sorted(sums.items(), key=lambda kv: (kv[0][0], rank[kv[0][1]])):
        nxt = next_period(p, unit)
        gap = (_ms(nxt) - _ms(p)) * BAR_GAP / 2
        out.append({"x": _ms(p) + gap, "x2": _ms(nxt) - gap, "cls": class_label(c),
                    "order": rank[c], "v": v})
    return out, order


def signal_chart(rows: list[dict], measure: str, unit: str, domain: tuple[dt.date, dt.date],
                 colours: dict[str, str], width: int = FULL_WIDTH) -> str:
    """Stacked bars of one source's ``measure`` by ``unit`` and class over ``domain``;
    empty if the measure is zero throughout."""
    bars, order = _bars(rows, measure, unit)
    if not bars:
        return ""
    labels = [class_label(c) for c in order]
    title = {"events": _("events"), "fatalities": _("fatalities")}.get(measure, measure)
    stacks: dict[float, int] = {}
    for b in bars:
        stacks[b["x"]] = stacks.get(b["x"], 0) + b["v"]
    top = max(stacks.values())
    # Counts are whole: a small count gets one tick per unit, never "0.5" (or a "1"
    # twice, as a whole-number format wrote it).
    y_axis = {"format": ",d", "minExtent": 52, "maxExtent": 52,
              **({"values": list(range(0, top + 1))} if top <= 6 else {"tickCount": 5})}
    spec = {
        "width": width, "height": 210,
        "autosize": {"type": "fit", "contains": "padding"},
        "data": {"values": bars},
        # No per-bar aria-label: with years of weeks they would be most of the page's
        # weight; the chart has a heading and the data is in the API.
        "mark": {"type": "bar", "aria": False},
        "encoding": {
            "x": {"field": "x", "type": "temporal", "scale": {
                "type": "utc", "domain": [_ms(domain[0]), _ms(domain[1])]},
                "axis": _axis(unit, domain[0], domain[1], width)},
            "x2": {"field": "x2"},
            "y": {"field": "v", "type": "quantitative", "aggregate": "sum", "stack": "zero",
                  "title": title, "axis": y_axis,
                  "scale": {"domain": [0, top]} if top <= 6 else {"nice": True}},
            "color": {"field": "cls", "type": "nominal", "title": _("Event class"),
                      "sort": labels,
                      "scale": {"domain": labels, "range": [colours.get(c, OTHER_COLOUR)
                                                            for c in order]},
                      "legend": {"columns": 4, "labelLimit": 260, "symbolType": "square"}},
            "order": {"field": "order", "type": "quantitative", "sort": "ascending"},
        },
    }
    return _render(spec)


def signal_charts(rows: list[dict], width: int = FULL_WIDTH) -> list[dict]:
    """Per source (each its own series, never added together): its span, the time unit
    chosen from it, the number of weeks with events, and its events and fatalities
    charts (fatalities empty when there are none or the source does not count them)."""
    if not rows:
        return []
    hit = _by_identity("signals", rows, width, get_language())
    if hit is not None:
        return hit
    colours = class_colours(rows)
    out = []
    for source in sorted({r["source"] for r in rows}):
        mine = [r for r in rows if r["source"] == source]
        weeks = sorted({_week(r) for r in mine if r["events"]})
        if not weeks:
            continue
        unit = time_unit(weeks[0], weeks[-1])
        domain = _frame(weeks[0], weeks[-1], unit)
        counts_deaths = source not in NO_FATALITIES
        out.append({
            "source": source, "name": SOURCE_NAMES.get(source, source), "unit": unit,
            "first": weeks[0], "last": weeks[-1], "weeks": len(weeks),
            "events": sum(r["events"] for r in mine),
            "fatalities": sum(r["fatalities"] for r in mine),
            "counts_fatalities": counts_deaths,
            "events_svg": signal_chart(mine, "events", unit, domain, colours, width),
            "fatalities_svg": (signal_chart(mine, "fatalities", unit, domain, colours, width)
                               if counts_deaths else ""),
        })
    _svg_cache.put(("signals", id(rows), width, get_language()), (rows, out))
    return out


def _by_identity(kind: str, rows: list, *args):
    """The cached result drawn from this very list (the data layer caches its results,
    so the same list comes back until the store changes): no hashing of a large spec."""
    hit = _svg_cache.get((kind, id(rows), *args))
    return hit[1] if hit is not None and hit[0] is rows else None


# --- the forecast ----------------------------------------------------------------------------

def history_chart(points: list[dict], width: int = HALF_WIDTH) -> str:
    """Forecast probability by year (one point per imported forecast year)."""
    if not points:
        return ""
    spec = {
        "data": {"values": points}, "width": width, "height": 170,
        "autosize": {"type": "fit", "contains": "padding"},
        "mark": {"type": "line", "color": "#9f1d35",
                 "point": {"filled": True, "color": "#9f1d35"}},
        "encoding": {
            "x": {"field": "year", "type": "ordinal", "title": _("Base year"),
                  "axis": {"labelAngle": 0}},
            "y": {"field": "probability", "type": "quantitative", "title": _("Probability"),
                  "axis": {"format": ".1%", "tickCount": 5}},
        },
    }
    return _render(spec)


def drivers_chart(drivers: list[dict], width: int = HALF_WIDTH) -> str:
    """Contributions (log-odds) of the forecast's main drivers, up in red, down in green."""
    if not drivers:
        return ""
    rows = [{"label": theme.wrap(d.get("label") or d["predictor"], 40),
             "contribution": d["contribution"], "side": d["side"]} for d in drivers]
    lines = max(r["label"].count("\n") + 1 for r in rows)
    spec = {
        "data": {"values": rows}, "width": width, "height": {"step": 13 * lines + 12},
        "autosize": {"type": "fit-x", "contains": "padding"},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": "-x", "title": None,
                  "axis": {"labelLimit": 280, "labelExpr": theme.LINE_BREAKS,
                           "labelLineHeight": 12}},
            "x": {"field": "contribution", "type": "quantitative",
                  "title": _("Contribution to log-odds")},
            "color": {"field": "side", "type": "nominal", "legend": None,
                      "scale": {"domain": ["up", "down"], "range": ["#b5473a", "#3c8d6b"]}},
        },
    }
    return _render(spec)
