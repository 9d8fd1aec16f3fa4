"""Charts for the assessment report: Altair builds the Vega-Lite specs, drawn in
Tocsin's one chart theme and rendered offline to SVG by ``tocsin.charts``. Each
function returns an SVG string."""

from __future__ import annotations

from tocsin import charts
from tocsin.assessment.scoring import Scorecard
from tocsin.reports.labels import RISK_LABELS

# Risk levels: a sequential scale from pale to deep, readable in greyscale print.
RISK_COLOURS = {"low": "#9cc5a1", "moderate": "#f2c14e", "high": "#e07a36",
                "very-high": "#a4243b", "insufficient": "#c8ccd2", "not-rated": "#e5e7eb"}
LEVEL_COLOURS = ["#edf2f7", "#f6d28b", "#e58a45", "#9f1d35"]  # 0 absent .. 3 severe
UNKNOWN_COLOUR = "#ffffff"
RESILIENCE_COLOURS = {"weak": "#c65d3b", "moderate": "#e9c46a", "strong": "#3c8d6b",
                      "not-rated": "#d1d5db"}
GOVERNMENT_COLOUR = "#1d4e89"
CIVIL_SOCIETY_COLOUR = "#d1495b"


def to_svg(chart) -> str:
    return charts.to_svg(chart)


def _short(text: str, n: int = 46) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def risk_profile(card: Scorecard) -> str:
    """Horizontal bars: each risk factor's score, coloured by level, with the thresholds."""
    import altair as alt
    import pandas as pd

    rows = []
    for n, rf in enumerate(card.risk_factors):
        rows.append({
            "order": n, "label": f"{rf.id}. {_short(rf.name)}",
            "score": rf.score if rf.score is not None else 0.0,
            "level": RISK_LABELS[rf.level],
            "text": ("not rated" if rf.score is None
                     else f"{rf.score:.0f}" + ("" if rf.coverage >= 0.995
                                               else f"  ({rf.coverage:.0%} rated)")),
        })
    data = pd.DataFrame(rows)
    present = {rf.level for rf in card.risk_factors}
    shown = [k for k in RISK_COLOURS if k in ("low", "moderate", "high", "very-high")
             or k in present]
    levels = [RISK_LABELS[k] for k in shown]
    # An explicit order: a field sort is not shared by the threshold layer.
    y = alt.Y("label:N", sort=list(data.label), title=None,
              axis=alt.Axis(labelLimit=330, labelFontSize=10))
    bars = alt.Chart(data).mark_bar(height=13).encode(
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title="Risk score (0-100)",
                axis=alt.Axis(values=[0, 25, 50, 75, 100])),
        y=y,
        color=alt.Color("level:N", scale=alt.Scale(domain=levels,
                                                   range=[RISK_COLOURS[k] for k in shown]),
                        title="Level"),
    )
    text = alt.Chart(data).mark_text(align="left", dx=4, fontSize=9, color=charts.INK).encode(
        x="score:Q", y=y, text="text:N")
    rules = alt.Chart(pd.DataFrame({"x": [25, 50, 75]})).mark_rule(
        color="#6b7280", strokeDash=[3, 3], strokeWidth=0.8).encode(x="x:Q")
    return to_svg((bars + rules + text).properties(width=300, height=len(rows) * 19))


def heat_map(card: Scorecard) -> str:
    """Indicators x assessors, with the consensus beside them; split in two panels."""
    import altair as alt
    import pandas as pd

    assessors = [a.id for a in card.assessors]
    columns = assessors + ["median"]
    level_names = ["0 absent", "1 present", "2 significant", "3 severe", "unknown"]
    rows = []
    for n, ind in enumerate(card.indicators):
        for a in assessors:
            level = ind.ratings.get(a)
            rows.append({"order": n, "indicator": ind.id, "column": a,
                         "level": level_names[level] if level is not None else "unknown",
                         "mark": ""})
        c = ind.consensus
        rows.append({"order": n, "indicator": ind.id, "column": "median",
                     "level": level_names[round(c + 0.01)] if c is not None else "unknown",
                     "mark": "" if c is None else (f"{c:g}" if ind.disagreement is False
                                                   else f"{c:g}!")})
    data = pd.DataFrame(rows)
    half = (len(card.indicators) + 1) // 2
    colour = alt.Color("level:N", scale=alt.Scale(domain=level_names,
                                                  range=LEVEL_COLOURS + [UNKNOWN_COLOUR]),
                       title="Level")
    panels = []
    for part in (data[data.order < half], data[data.order >= half]):
        base = alt.Chart(part).encode(
            x=alt.X("column:N", sort=columns, title=None,
                    axis=alt.Axis(orient="top", labelAngle=-40, labelFontSize=9)),
            y=alt.Y("indicator:N", sort=list(part.indicator.unique()), title=None,
                    axis=alt.Axis(labelFontSize=8)),
        )
        cells = base.mark_rect(stroke="#d1d5db", strokeWidth=0.5).encode(color=colour)
        marks = base.mark_text(fontSize=7, color=charts.INK).encode(text="mark:N")
        panels.append((cells + marks).properties(width=len(columns) * 24,
                                                 height=part.order.nunique() * 10.5))
    return to_svg(alt.hconcat(*panels, spacing=40))


def divergence(card: Scorecard) -> str:
    """Government and civil-society scores per risk factor, joined by a line."""
    import altair as alt
    import pandas as pd

    rows, lines = [], []
    for n, rf in enumerate(card.risk_factors):
        label = f"{rf.id}. {_short(rf.name, 40)}"
        if rf.government is None or rf.civil_society is None:
            continue
        rows += [{"order": n, "label": label, "group": "Government", "score": rf.government},
                 {"order": n, "label": label, "group": "Civil society",
                  "score": rf.civil_society}]
        lines.append({"order": n, "label": label, "lo": min(rf.government, rf.civil_society),
                      "hi": max(rf.government, rf.civil_society)})
    if not rows:
        return ""
    y = alt.Y("label:N", sort=[x["label"] for x in lines], title=None,
              axis=alt.Axis(labelLimit=300, labelFontSize=10))
    rule = alt.Chart(pd.DataFrame(lines)).mark_rule(color="#9ca3af", strokeWidth=2).encode(
        x=alt.X("lo:Q", scale=alt.Scale(domain=[0, 100]), title="Risk score (0-100)",
                axis=alt.Axis(values=[0, 25, 50, 75, 100])),
        x2="hi:Q", y=y)
    points = alt.Chart(pd.DataFrame(rows)).mark_point(filled=True, size=60, opacity=1).encode(
        x="score:Q", y=y,
        color=alt.Color("group:N", scale=alt.Scale(domain=["Government", "Civil society"],
                                                   range=[GOVERNMENT_COLOUR,
                                                          CIVIL_SOCIETY_COLOUR]),
                        title=None),
        shape=alt.Shape("group:N", scale=alt.Scale(domain=["Government", "Civil society"],
                                                   range=["circle", "diamond"]), title=None),
    )
    return to_svg((rule + points).properties(width=300, height=len(lines) * 19))


def resilience(card: Scorecard) -> str:
    """Each resilience measure's score, coloured weak / moderate / strong."""
    import altair as alt
    import pandas as pd

    names = {"weak": "Weak", "moderate": "Moderate", "strong": "Strong", "not-rated": "Not rated"}
    data = pd.DataFrame([{"order": n, "label": m.name, "score": m.score or 0.0,
                          "level": names[m.level],
                          "text": "not rated" if m.score is None else f"{m.score:.0f}"}
                         for n, m in enumerate(card.measures)])
    y = alt.Y("label:N", sort=list(data.label), title=None,
              axis=alt.Axis(labelLimit=330, labelFontSize=10))
    bars = alt.Chart(data).mark_bar(height=12).encode(
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title="Resilience score (0-100)",
                axis=alt.Axis(values=[0, 40, 70, 100])),
        y=y,
        color=alt.Color("level:N", scale=alt.Scale(domain=list(names.values()),
                                                   range=list(RESILIENCE_COLOURS.values())),
                        title="Level"),
    )
    text = alt.Chart(data).mark_text(align="left", dx=4, fontSize=9, color=charts.INK).encode(
        x="score:Q", y=y, text="text:N")
    return to_svg((bars + text).properties(width=300, height=len(data) * 17))
