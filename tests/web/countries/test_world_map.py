"""The watch list's world map shows the whole world: nothing of the bundled boundaries
falls outside the view, the view is not padded with empty bands, and the Arctic
(Canada's islands, northern Greenland) is not squeezed into a line along the top edge,
which is how the map used to look cut off there."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from tocsin.web.countries import charts

_PATH = re.compile(r'<path aria-label="Country: ([^;"]*)[^"]*"[^>]*?\sd="([^"]*)"')
_NUM = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _coords(geometry) -> list[tuple[float, float]]:
    out = []

    def walk(c):
        if isinstance(c[0], (int, float)):
            out.append((c[0], c[1]))
        else:
            for part in c:
                walk(part)

    walk(geometry["coordinates"])
    return out


def _shapes(svg: str) -> dict[str, tuple[float, float, float, float]]:
    """country name -> (x0, y0, x1, y1) of its path in the view (M/L/Z commands only)."""
    out = {}
    for name, d in _PATH.findall(svg):
        assert set(re.findall(r"[A-Za-z]", d)) <= {"M", "L", "Z"}, d[:80]
        nums = [float(v) for v in _NUM.findall(d)]
        xs, ys = nums[0::2], nums[1::2]
        out[name] = (min(xs), min(ys), max(xs), max(ys))
    return out


def _view(svg: str) -> tuple[float, float]:
    m = re.search(r'<path class="background"[^>]*d="M0,0h([\d.]+)v([\d.]+)', svg)
    return float(m.group(1)), float(m.group(2))


def test_projection_fit_covers_every_country():
    feats = charts.boundaries()["features"]
    spec = charts.world_map_spec({}, {}, {})
    proj = spec["projection"]
    fit = _coords(proj["fit"]["geometry"])
    pts = [p for f in feats for p in _coords(f["geometry"])]
    assert min(x for x, _ in fit) <= min(x for x, _ in pts)
    assert max(x for x, _ in fit) >= max(x for x, _ in pts)
    assert min(y for _, y in fit) <= min(y for _, y in pts)
    assert max(y for _, y in fit) >= max(y for _, y in pts)
    assert max(y for _, y in pts) > 83  # northern Greenland is in the data
    (x0, y0), (x1, y1) = proj["extent"]
    assert 0 < x0 < x1 < spec["width"] and 0 < y0 < y1 < spec["height"]


@pytest.mark.parametrize("width", [860, 520])  # the watch list's and a country page's
def test_rendered_map_keeps_the_whole_world_in_view(width):
    with translation.override("en"):  # the shapes are found by their English labels
        svg = charts.world_map({"CAN": 0.005, "GRL": 0.02}, {}, {"CAN": "/countries/CAN/"},
                               highlight="CAN", width=width, title="t")
    w, h = _view(svg)
    shapes = _shapes(svg)
    assert len(shapes) == len(charts.boundaries()["features"])
    x0 = min(b[0] for b in shapes.values())
    y0 = min(b[1] for b in shapes.values())
    x1 = max(b[2] for b in shapes.values())
    y1 = max(b[3] for b in shapes.values())
    # inside the view, with the margin, on every side
    assert x0 >= charts.MAP_MARGIN - 0.5 and y0 >= charts.MAP_MARGIN - 0.5
    assert x1 <= w - charts.MAP_MARGIN + 0.5 and y1 <= h - charts.MAP_MARGIN + 0.5
    # the height is the world's: no empty band above the Arctic or below Cape Horn
    assert y0 <= charts.MAP_MARGIN + 1.5 and y1 >= h - charts.MAP_MARGIN - 1.5
    # the north is Greenland's and Canada's, and they have room: 60N to 83.6N takes more
    # than an eighth of the map's height (under Equal Earth it was 9%, and everything
    # north of 80N lay in the top 3 pixels, which read as a cut edge)
    greenland = shapes["Greenland"]
    assert greenland[1] <= y0 + 0.5
    assert (greenland[3] - greenland[1]) / (y1 - y0) > 0.125
    assert shapes["Canada"][1] - y0 < 2
