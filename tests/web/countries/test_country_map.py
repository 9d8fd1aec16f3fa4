"""A country page's map is zoomed on the country with its neighbours (the bounding box
of its geometry in the bundled boundaries, padded, the projection fitted to it), not
the whole world in half a card; the watch list's map fills its card; every forecast
band is told apart from the background and from the next, on the map and in the
table, by a sequential palette and an outline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation

from tocsin.web.countries import charts

CSS = (Path(charts.__file__).parent / "static" / "countries" / "countries.css").read_text()
_PATH = re.compile(r'<path aria-label="Country: ([^;"]*)[^"]*"[^>]*?\sd="([^"]*)"')
_NUM = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _boxes(svg: str) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for name, d in _PATH.findall(svg):
        nums = [float(v) for v in _NUM.findall(d)]
        if len(nums) >= 2:
            xs, ys = nums[0::2], nums[1::2]
            out[name] = (min(xs), min(ys), max(xs), max(ys))
    return out


def _view(svg: str) -> tuple[float, float]:
    m = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    return float(m.group(1)), float(m.group(2))


@pytest.mark.parametrize("iso3", ["KEN", "MMR", "SDN", "FRA", "RUS", "USA", "FJI", "RWA"])
def test_frame_holds_the_country_and_room_for_its_neighbours(iso3):
    west, south, east, north = charts.country_extent(iso3)
    fw, fs, fe, fn = charts.country_frame(iso3)
    assert fw < west and fe > east and fs <= south and fn >= north
    assert fe - fw >= charts.MIN_SPAN and fn - fs >= min(charts.MIN_SPAN, 170)
    assert fe - fw < 230  # never the whole world (Russia, across the antimeridian, too)
    spec = charts.country_map_spec(iso3, {}, {}, {})
    pts = spec["projection"]["fit"]["geometry"]["coordinates"]
    assert min(p[0] for p in pts) == pytest.approx(fw) and max(p[0] for p in pts) == \
        pytest.approx(fe)


def test_far_small_parts_do_not_pull_the_frame():
    west, _s, _e, _n = charts.country_extent("FRA")
    assert west > -10  # French Guiana (-54) is left out of France's frame
    west, south, _e, north = charts.country_extent("USA")
    assert south > 22 and north > 65 and west < -150  # not Hawaii (19N); Alaska stays
    west, _s, east, _n = charts.country_extent("FJI")
    assert 175 < west and east - west < 10  # at the antimeridian, not around the world
    west, _s, east, _n = charts.country_frame("RUS")
    assert east > 180 and east - west < 200  # the frame may run on across it


def test_rendered_country_map_is_zoomed_on_kenya_with_its_neighbours():
    from tocsin.web.countries.data import country_names

    names = country_names()
    with translation.override("en"):
        svg = charts.country_map("KEN", {"KEN": 0.037, "UGA": 0.079}, names,
                                 {"KEN": "/countries/KEN/", "UGA": "/countries/UGA/"})
    w, h = _view(svg)
    boxes = _boxes(svg)
    assert {"Uganda", "Tanzania", "Ethiopia", "Somalia", "South Sudan"} <= set(boxes)
    assert "Brazil" not in boxes and "Canada" not in boxes  # only what the frame shows
    x0, y0, x1, y1 = boxes["Kenya"]
    assert x0 > 0 and y0 > 0 and x1 < w and y1 < h  # wholly in view
    assert (x1 - x0) / w > 0.3 and (y1 - y0) / h > 0.3  # and large in it
    assert 'width="100%"' in svg[:svg.index(">")]
    assert 'href="/countries/UGA/"' in svg and "style=" not in svg
    assert ">Kenya</text>" in svg  # the country is named on its map


def test_watch_list_map_fills_its_card():
    svg = charts.world_map({"KEN": 0.03}, {}, {})
    root = svg[:svg.index(">")]
    assert 'width="100%"' in root and "viewBox=" in root
    w, _h = _view(svg)
    assert w >= charts.FULL_WIDTH


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_bands_are_sequential_and_distinguishable():
    colours = [c for _lo, c in charts.BANDS]
    lum = [_luminance(c) for c in colours]
    assert lum == sorted(lum, reverse=True)  # light to dark: sequential, greyscale too
    for a, b in zip(colours, colours[1:], strict=False):
        assert _contrast(a, b) > 1.15, (a, b)
    # the lowest band ("< 1%") is not the background (white map, grey page)...
    assert _contrast(colours[0], "#ffffff") > 1.25 and _contrast(colours[0], "#f6f7f9") > 1.2
    # ...nor the no-forecast grey, and every shape and swatch has a visible outline
    assert colours[0] != charts.NO_DATA
    assert _contrast(charts.OUTLINE, "#ffffff") > 3
    assert f".swatch {{ border: 1px solid {charts.OUTLINE}; }}" in CSS


def test_stylesheet_bands_are_the_charts_bands():
    found = dict(re.findall(r"\.b(\d|none) \{ background: (#[0-9a-f]{6}); \}", CSS))
    assert found == {**{str(i): c for i, (_lo, c) in enumerate(charts.BANDS)},
                     "none": charts.NO_DATA}


def test_map_shapes_are_outlined():
    with translation.override("en"):
        svg = charts.world_map({"KEN": 0.003}, {}, {})
    kenya = re.search(r'<path aria-label="Country: Kenya[^>]*>', svg).group(0)
    assert f'stroke="{charts.OUTLINE}"' in kenya and f'fill="{charts.BANDS[0][1]}"' in kenya
