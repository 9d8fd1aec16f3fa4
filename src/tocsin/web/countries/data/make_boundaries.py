"""Rebuild ``world-110m.geojson`` from Natural Earth's 1:110m admin-0 countries.

Not run by Tocsin: it documents how the bundled file was made, and remakes it.
Input: ``naturalearth_lowres.shp`` as shipped in the geopandas 0.14.4 wheel
(``geopandas/datasets/naturalearth_lowres/``), which is Natural Earth's
``ne_110m_admin_0_countries`` with five columns kept. Needs ``pyshp`` (not a
Tocsin dependency): ``python make_boundaries.py PATH/naturalearth_lowres.shp``.

What it does: coordinates rounded to 0.1 degree, consecutive duplicates and
rings of fewer than four points dropped, ISO code -99 replaced for the three
countries that Natural Earth leaves without one. Ring order is kept as in the
shapefile: exterior rings clockwise, which is what Vega-Lite's geoshape (d3-geo)
needs; RFC 7946 (counter-clockwise) rings would be drawn as the whole globe.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FIX = {"France": "FRA", "Norway": "NOR", "Kosovo": "XKX"}  # -99 in Natural Earth 110m


def _ring(points, digits=1):
    out = []
    for x, y in points:
        p = [round(x, digits), round(y, digits)]
        if not out or out[-1] != p:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def _signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))


def convert(shp: Path) -> dict:
    import shapefile  # pyshp

    features = []
    with shapefile.Reader(str(shp)) as r:
        fields = [f[0] for f in r.fields[1:]]
        for sr in r.iterShapeRecords():
            rec = dict(zip(fields, sr.record, strict=True))
            iso = rec["iso_a3"] if rec["iso_a3"] != "-99" else FIX.get(rec["name"], "")
            if not iso or rec["name"] == "Antarctica":
                continue  # Antarctica fills a fifth of the map and has no risk to show
            parts = list(sr.shape.parts) + [len(sr.shape.points)]
            rings = [_ring(sr.shape.points[a:b]) for a, b in zip(parts, parts[1:], strict=False)]
            # Shapefile: a clockwise ring (negative signed area in x/y) starts a polygon,
            # counter-clockwise rings after it are its holes.
            polys = []
            for ring in rings:
                if ring is None:
                    continue
                if _signed_area(ring) <= 0 or not polys:
                    polys.append([ring])
                else:
                    polys[-1].append(ring)
            if not polys:
                continue
            geom = ({"type": "Polygon", "coordinates": polys[0]} if len(polys) == 1
                    else {"type": "MultiPolygon", "coordinates": polys})
            features.append({"type": "Feature", "id": iso,
                             "properties": {"iso3": iso, "name": rec["name"]},
                             "geometry": geom})
    features.sort(key=lambda f: f["id"])
    return {"type": "FeatureCollection", "features": features}


if __name__ == "__main__":
    out = Path(__file__).with_name("world-110m.geojson")
    out.write_text(json.dumps(convert(Path(sys.argv[1])), separators=(",", ":")) + "\n")
    print(out, out.stat().st_size)
