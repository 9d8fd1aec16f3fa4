"""The early-warning bulletin for decision makers: for one or several countries and a
period (an ISO week or a month), what changed (situations opened, escalated, closed),
the weekly series with the period marked, the current forecast and its change, the
latest assessment and its watch points, and the preventive options with the state
practice the Secretary-General's report cites.

Self-contained HTML, and PDF through WeasyPrint, in the style of the assessment report
(``tocsin.reports.assessment``: one template for both, charts drawn offline in the one
chart theme and embedded as data URIs, nothing loaded from anywhere). The data come
as plain dicts (``tocsin.web.alerts.bulletin.gather`` reads them from the site's
database and the signals), so this module knows no database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from tocsin.errors import InputError, Problem

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
SEVERITY_COLOURS = {"low": "#9ca3af", "medium": "#e9c46a", "high": "#e07a36",
                    "critical": "#9f1d35"}
CHART_WIDTH = 600  # px: the A4 text block (170 mm) is about 640 px
WEEKS_BEFORE = 52  # the series shows a year before the period


@dataclass(frozen=True)
class Period:
    kind: str  # "week" | "month"
    start: dt.date  # first day (a Monday for a week)
    end: dt.date  # last day
    code: str  # as given: 2021-03, 2021-W09

    @property
    def label(self) -> str:
        if self.kind == "month":
            return self.start.strftime("%B %Y")
        return (f"week {self.code[-2:].lstrip('0')} of {self.start.isocalendar()[0]} "
                f"({self.start.strftime('%-d %b')} to {self.end.strftime('%-d %b %Y')})")

    @property
    def first_week(self) -> dt.date:
        return self.start - dt.timedelta(days=self.start.weekday())

    @property
    def weeks(self) -> list[dt.date]:
        """The Mondays of the weeks the period touches."""
        out, w = [], self.first_week
        while w <= self.end:
            out.append(w)
            w += dt.timedelta(weeks=1)
        return out

    @classmethod
    def parse(cls, text: str, where: str = "--period") -> Period:
        """``YYYY-MM`` (a month) or ``YYYY-Www`` (an ISO week); ``InputError`` otherwise."""
        text = (text or "").strip()
        m = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12:
                start = dt.date(year, month, 1)
                nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
                return cls("month", start, nxt - dt.timedelta(days=1), text)
        m = re.fullmatch(r"(\d{4})-W(\d{2})", text, flags=re.IGNORECASE)
        if m:
            try:
                start = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            except ValueError:
                pass
            else:
                return cls("week", start, start + dt.timedelta(days=6),
                           f"{m.group(1)}-W{m.group(2)}")
        raise InputError(Problem(where, f"{text!r} is not a period: expected a month "
                                        "(YYYY-MM, e.g. 2021-03) or an ISO week (YYYY-Www, "
                                        "e.g. 2021-W09)"))

    @classmethod
    def previous(cls, kind: str, today: dt.date) -> Period:
        """The last complete week or month before ``today``."""
        if kind == "week":
            monday = today - dt.timedelta(days=today.weekday() + 7)
            y, w, _ = monday.isocalendar()
            return cls.parse(f"{y}-W{w:02d}")
        first = today.replace(day=1) - dt.timedelta(days=1)
        return cls.parse(f"{first.year}-{first.month:02d}")


# --- the chart -------------------------------------------------------------------------------


def weekly_chart(country: dict, period: Period) -> str:
    """SVG: weekly fatalities (bars) and events (line) of the country's main source, a
    year before the period and a little after, the period shaded, its alert weeks
    marked by severity."""
    import altair as alt
    import pandas as pd

    from tocsin import charts

    rows = country.get("series") or []
    if not rows:
        return ""
    df = pd.DataFrame(rows)
    df["week"] = pd.to_datetime(df["week"])
    band = pd.DataFrame({"start": [pd.Timestamp(period.first_week)],
                         "end": [pd.Timestamp(period.end + dt.timedelta(days=1))]})
    x = alt.X("week:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    shade = alt.Chart(band).mark_rect(color="#fde68a", opacity=0.55).encode(
        x="start:T", x2="end:T")
    width = max(1.5, 0.75 * CHART_WIDTH / max(len(df), 1))
    bars = alt.Chart(df).mark_bar(color="#7f8c9a", size=width).encode(
        x=x, y=alt.Y("fatalities:Q", title="fatalities per week"),
        tooltip=["week:T", "fatalities:Q", "events:Q"])
    line = alt.Chart(df).mark_line(color="#1d3557", strokeWidth=1.2).encode(
        x=x, y=alt.Y("events:Q", title="events per week", axis=alt.Axis(orient="right")))
    layers = [shade, alt.layer(bars, line).resolve_scale(y="independent")]
    marks = pd.DataFrame(country.get("alert_weeks") or [])
    if not marks.empty:
        marks["week"] = pd.to_datetime(marks["week"])
        top = float(df["fatalities"].max() or 1)
        marks["y"] = top * 1.08
        layers.append(alt.Chart(marks).mark_point(shape="triangle-down", filled=True, size=55)
                      .encode(x="week:T", y=alt.Y("y:Q", axis=None),
                              color=alt.Color("severity:N", title="alert of the week",
                                              scale=alt.Scale(domain=list(SEVERITY_COLOURS),
                                                              range=list(SEVERITY_COLOURS.values())))))
    chart = alt.layer(*layers).resolve_scale(y="independent").properties(
        width=CHART_WIDTH, height=190,
        title=alt.Title(f"{country['name']}: weekly fatalities and events "
                        f"({country.get('series_source') or 'events'})",
                        subtitle=f"shaded: {period.label}; triangles: weeks with alerts",
                        fontSize=11, subtitleFontSize=9))
    return charts.to_svg(chart)


# --- rendering ---------------------------------------------------------------------------------


def _environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html"]),
                             lstrip_blocks=True, trim_blocks=True)
    env.filters["pct"] = lambda x, d=1: "–" if x is None else f"{x * 100:.{d}f}%"
    env.filters["num"] = lambda x, d=0: "–" if x is None else f"{x:,.{d}f}"
    env.filters["signed_pts"] = lambda x: "–" if x is None else f"{x * 100:+.1f} pts"
    env.filters["day"] = lambda d: "–" if not d else (
        dt.date.fromisoformat(d) if isinstance(d, str) else d).strftime("%-d %b %Y")
    return env


def render_html(data: dict, raster: bool = False) -> str:
    """The bulletin as one self-contained HTML document (charts as SVG, or PNG if
    ``raster``, as the PDF wants them)."""
    from tocsin.reports.assessment import _data_uri

    period = data["period"]
    for c in data["countries"]:
        c["chart"] = _data_uri(weekly_chart(c, period), raster)
    css = (TEMPLATES / "bulletin.css").read_text(encoding="utf-8")
    return _environment().get_template("bulletin.html").render(
        css=css, period=period, colours=SEVERITY_COLOURS, **{k: v for k, v in data.items()
                                                             if k != "period"})


def render_pdf(data: dict) -> bytes:
    """The bulletin as PDF (A4), from the same HTML, loading nothing from outside."""
    import weasyprint

    from tocsin.reports.assessment import _offline_fetcher

    return weasyprint.HTML(string=render_html(data, raster=True),
                           url_fetcher=_offline_fetcher()).write_pdf()


def write(data: dict, output: Path) -> Path:
    """Write the bulletin to ``output`` (.html or .pdf), atomically."""
    from tocsin.atomic import write_atomic

    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InputError.single(output, "expected an output file ending in .html or .pdf")
    if not output.parent.is_dir():
        raise InputError.single(output, f"folder {output.parent} does not exist")
    write_atomic(output, render_pdf(data) if suffix == ".pdf" else render_html(data))
    return output
