"""Charts for the assessment report: Altair builds the Vega-Lite specs, drawn in
Tocsin's one chart theme and rendered offline to SVG by ``tocsin.charts``. Each
function returns SVG (``heat_maps`` a list of them, one per printed page).

The charts are sized for the printed page and shown at their own size (1 px =
1/96 in), so a font size here is the size on paper: the A4 text block is 170 mm,
about 640 px, wide. Names are never cut: long ones are wrapped onto two lines.
"""

from __future__ import annotations

from tocsin import charts
from tocsin.assessment.scoring import IndicatorScore, Scorecard
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

PAGE_WIDTH = 640       # px: the A4 text block (170 mm) at 96 px per inch
LABEL_FONT = 10.5      # px, category labels: about 8 pt on paper
LABEL_WRAP = 48        # characters per line of a wrapped risk-factor name
MEASURE_WRAP = 60      # measures' names are shorter: most fit on one line
LINE = 13              # px per line of a category label
# The heat map: cells and labels big enough to read on paper, panels packed by whole
# risk factors, as many panels side by side as the page is wide.
CELL_WIDTH = 24
CELL_HEIGHT = 14
HEAT_ROWS = 50         # rows per panel: a panel and its legend fit on one page
PANEL_SPACING = 22


def to_svg(chart) -> str:
    return charts.to_svg(chart)


def _label_axis(**kwargs):
    import altair as alt

    return alt.Axis(labelExpr=charts.LINE_BREAKS, labelLimit=0, labelFontSize=LABEL_FONT,
                    labelPadding=4, **kwargs)


def _rf_label(rf_id: str, name: str) -> str:
    return charts.wrap(f"{rf_id}. {name}", LABEL_WRAP)


def _row_height(labels, gap: int = 5) -> int:
    """Px per bar row: room for the longest wrapped label, and a gap."""
    return max((label.count("\n") + 1 for label in labels), default=1) * LINE + gap


def risk_profile(card: Scorecard) -> str:
    """Horizontal bars: each risk factor's score, coloured by level, with the thresholds."""
    import altair as alt
    import pandas as pd

    rows = []
    for n, rf in enumerate(card.risk_factors):
        rows.append({
            "order": n, "label": _rf_label(rf.id, rf.name),
            "score": rf.score if rf.score is not None else 0.0,
            "level": RISK_LABELS[rf.level],
            "text": ("not rated" if rf.score is None
                     else f"{rf.score:.0f}" + ("" if rf.coverage >= 0.995
                                               else f" ({rf.coverage:.0%} rated)")),
        })
    data = pd.DataFrame(rows)
    present = {rf.level for rf in card.risk_factors}
    shown = [k for k in RISK_COLOURS if k in ("low", "moderate", "high", "very-high")
             or k in present]
    levels = [RISK_LABELS[k] for k in shown]
    # An explicit order: a field sort is not shared by the threshold layer.
    y = alt.Y("label:N", sort=list(data.label), title=None, axis=_label_axis())
    bars = alt.Chart(data).mark_bar(height=16).encode(
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title="Risk score (0-100)",
                axis=alt.Axis(values=[0, 25, 50, 75, 100])),
        y=y,
        color=alt.Color("level:N", scale=alt.Scale(domain=levels,
                                                   range=[RISK_COLOURS[k] for k in shown]),
                        title=None),
    )
    text = alt.Chart(data).mark_text(align="left", dx=4, fontSize=9.5, color=charts.INK).encode(
        x="score:Q", y=y, text="text:N")
    rules = alt.Chart(pd.DataFrame({"x": [25, 50, 75]})).mark_rule(
        color="#6b7280", strokeDash=[3, 3], strokeWidth=0.8).encode(x="x:Q")
    return to_svg((bars + rules + text).properties(width=250,
                                                   height=len(rows) * _row_height(data.label)))


LEVEL_NAMES = ["0 absent", "1 present", "2 significant", "3 severe", "unknown"]


def heat_panels(card: Scorecard, max_rows: int = HEAT_ROWS) -> list[list[IndicatorScore]]:
    """The indicators in panels of at most ``max_rows``, each holding whole risk factors
    (a risk factor longer than a panel is split)."""
    max_rows = max(1, max_rows)
    panels: list[list[IndicatorScore]] = [[]]
    groups: dict[str, list[IndicatorScore]] = {}
    for ind in card.indicators:
        groups.setdefault(ind.risk_factor, []).append(ind)
    for group in groups.values():
        while group:
            room = max_rows - len(panels[-1])
            if len(group) > room and (panels[-1] and len(group) <= max_rows):
                panels.append([])
                continue
            panels[-1] += group[:room]
            group = group[room:]
            if group:
                panels.append([])
    return [p for p in panels if p]


def heat_maps(card: Scorecard, page_width: int = PAGE_WIDTH,
              max_rows: int = HEAT_ROWS) -> list[str]:
    """Indicators x assessors, with the consensus beside them: one SVG per printed page,
    each with as many panels side by side as fit, each panel holding whole risk factors."""
    import altair as alt

    columns = [a.id for a in card.assessors] + ["median"]
    longest = max((len(c) for c in columns), default=6)
    label_width = 40
    panel_width = label_width + len(columns) * CELL_WIDTH
    per_page = max(1, (page_width + PANEL_SPACING) // (panel_width + PANEL_SPACING))
    panels = heat_panels(card, max_rows)
    pages = [panels[i:i + per_page] for i in range(0, len(panels), per_page)]
    colour = alt.Color("level:N", scale=alt.Scale(domain=LEVEL_NAMES,
                                                  range=LEVEL_COLOURS + [UNKNOWN_COLOUR]),
                       title="Level", legend=alt.Legend(symbolStrokeColor="#9ca3af"))
    out = []
    for page in pages:
        charts_ = [_heat_panel(part, columns, colour, angle=0 if longest <= 4 else -45)
                   for part in page]
        out.append(to_svg(alt.hconcat(*charts_, spacing=PANEL_SPACING)
                          .resolve_scale(color="shared")))
    return out


def _heat_panel(part: list[IndicatorScore], columns: list[str], colour, angle: int):
    import altair as alt
    import pandas as pd

    rows = []
    first_of_rf = []
    for n, ind in enumerate(part):
        if n and ind.risk_factor != part[n - 1].risk_factor:
            first_of_rf.append(ind.id)
        for a in columns[:-1]:
            level = ind.ratings.get(a)
            rows.append({"indicator": ind.id, "column": a,
                         "level": LEVEL_NAMES[level] if level is not None else "unknown",
                         "mark": "" if level is None else str(level)})
        c = ind.consensus
        rows.append({"indicator": ind.id, "column": "median",
                     "level": LEVEL_NAMES[round(c + 0.01)] if c is not None else "unknown",
                     "mark": "" if c is None else (f"{c:g}!" if ind.disagreement else f"{c:g}")})
    data = pd.DataFrame(rows)
    order = [ind.id for ind in part]
    rfs = list(dict.fromkeys(ind.risk_factor for ind in part))
    title = (f"Risk factor {rfs[0]}" if len(rfs) == 1
             else f"Risk factors {rfs[0]}–{rfs[-1]}")
    y = alt.Y("indicator:N", sort=order, title=None,
              axis=alt.Axis(labelFontSize=9.5, ticks=False, domain=False, labelPadding=4))
    base = alt.Chart(data).encode(
        x=alt.X("column:N", sort=columns, title=None,
                axis=alt.Axis(orient="top", labelAngle=angle, labelFontSize=9.5, ticks=False,
                              domain=False, labelPadding=3)),
        y=y,
    )
    cells = base.mark_rect(stroke="#c9ced6", strokeWidth=0.5).encode(color=colour)
    marks = base.mark_text(fontSize=8.5).encode(
        text="mark:N",
        color=alt.condition(alt.datum.level == LEVEL_NAMES[3], alt.value("white"),
                            alt.value(charts.INK)))
    # The consensus column is set off from the assessors' by a line.
    layers = [cells, marks, alt.Chart(pd.DataFrame({"column": ["median"]})).mark_rule(
        color=charts.INK, strokeWidth=1).encode(
        x=alt.X("column:N", sort=columns, bandPosition=0))]
    if first_of_rf:
        # A line between risk factors, at the top edge of each one's first row.
        layers.append(alt.Chart(pd.DataFrame({"indicator": first_of_rf})).mark_rule(
            color=charts.INK, strokeWidth=1).encode(
            y=alt.Y("indicator:N", sort=order, bandPosition=0)))
    return alt.layer(*layers).properties(
        width=len(columns) * CELL_WIDTH, height=len(part) * CELL_HEIGHT,
        title=alt.Title(title, fontSize=10, anchor="start"))


def divergence(card: Scorecard) -> str:
    """Government and civil-society scores per risk factor, joined by a line."""
    import altair as alt
    import pandas as pd

    rows, lines = [], []
    for n, rf in enumerate(card.risk_factors):
        label = _rf_label(rf.id, rf.name)
        if rf.government is None or rf.civil_society is None:
            continue
        rows += [{"order": n, "label": label, "group": "Government", "score": rf.government},
                 {"order": n, "label": label, "group": "Civil society",
                  "score": rf.civil_society}]
        lines.append({"order": n, "label": label, "lo": min(rf.government, rf.civil_society),
                      "hi": max(rf.government, rf.civil_society)})
    if not rows:
        return ""
    y = alt.Y("label:N", sort=[x["label"] for x in lines], title=None, axis=_label_axis())
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
    return to_svg((rule + points).properties(
        width=280, height=len(lines) * _row_height(x["label"] for x in lines)))


def resilience(card: Scorecard) -> str:
    """Each resilience measure's score, coloured weak / moderate / strong."""
    import altair as alt
    import pandas as pd

    names = {"weak": "Weak", "moderate": "Moderate", "strong": "Strong", "not-rated": "Not rated"}
    data = pd.DataFrame([{"order": n, "label": charts.wrap(m.name, MEASURE_WRAP),
                          "score": m.score or 0.0, "level": names[m.level],
                          "text": "not rated" if m.score is None else f"{m.score:.0f}"}
                         for n, m in enumerate(card.measures)])
    y = alt.Y("label:N", sort=list(data.label), title=None, axis=_label_axis())
    bars = alt.Chart(data).mark_bar(height=10).encode(
        x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100]), title="Resilience score (0-100)",
                axis=alt.Axis(values=[0, 40, 70, 100])),
        y=y,
        color=alt.Color("level:N", scale=alt.Scale(domain=list(names.values()),
                                                   range=list(RESILIENCE_COLOURS.values())),
                        title=None),
    )
    text = alt.Chart(data).mark_text(align="left", dx=4, fontSize=9.5, color=charts.INK).encode(
        x="score:Q", y=y, text="text:N")
    return to_svg((bars + text).properties(width=280,
                                           height=len(data) * _row_height(data.label, gap=2)))
