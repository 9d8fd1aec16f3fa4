"""Calibration (reliability) chart of a backtest: predicted risk against observed rate.

Predictions of all base years are pooled per model and cut into bins of equal
count (onsets are rare, so equal-width bins would leave most bins empty). Each
point is one bin: mean predicted probability against the share of rows that saw
an onset; a calibrated model lies on the diagonal. Rendered offline by
vl-convert (no browser, no network) to PNG or SVG.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tocsin.errors import InputError, Problem


def calibration_table(predictions, bins: int = 10):
    import pandas as pd

    rows = []
    for kind, g in predictions.groupby("model", sort=False):
        g = g.sort_values("probability", kind="stable")
        for part in np.array_split(np.arange(len(g)), bins):
            if len(part) == 0:
                continue
            sub = g.iloc[part]
            rows.append({"model": kind, "predicted": float(sub["probability"].mean()),
                         "observed": float(sub["outcome"].mean()), "rows": len(sub)})
    return pd.DataFrame(rows)


def calibration_chart(predictions, path, title: str = "", bins: int = 10) -> Path:
    import altair as alt
    import vl_convert as vlc

    from tocsin.atomic import write_atomic

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise InputError(Problem(str(path), "chart file must end in .png or .svg"))
    table = calibration_table(predictions, bins)
    top = float(max(table["predicted"].max(), table["observed"].max()) * 1.05)
    diag = alt.Chart(alt.Data(values=[{"x": 0, "y": 0}, {"x": top, "y": top}])).mark_line(
        color="#999", strokeDash=[4, 4]).encode(x="x:Q", y="y:Q")
    points = alt.Chart(table).mark_line(point=True).encode(
        x=alt.X("predicted:Q", title="mean predicted probability",
                scale=alt.Scale(domain=[0, top])),
        y=alt.Y("observed:Q", title="observed onset rate", scale=alt.Scale(domain=[0, top])),
        color=alt.Color("model:N", title="model"),
        tooltip=["model", "predicted", "observed", "rows"],
    )
    chart = (diag + points).properties(width=420, height=420, title=title or "Calibration")
    chart = chart.configure(font="DejaVu Sans")
    spec = chart.to_dict()
    if suffix == ".svg":
        write_atomic(path, vlc.vegalite_to_svg(spec))
    else:
        data = vlc.vegalite_to_png(spec, scale=2)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path
