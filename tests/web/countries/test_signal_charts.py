"""The country page's signal charts read well from one week to ten years and more: the
time unit follows the span (weeks up to about six months, months up to about five
years, years beyond), bars have a readable width, the time axis never repeats a
label, the events and fatalities charts are drawn at one width and scale with their
card, and a chart with no deaths gives way to "no fatalities recorded"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from tocsin.web.countries import charts

MONDAY = dt.date(2019, 10, 21)


def _rows(weeks, source="ucdp-ged", fatalities=True):
    out = []
    for i, w in enumerate(weeks):
        out.append({"source": source, "week": w.isoformat(), "event_class": "armed-clash",
                    "events": 3 + i % 5, "fatalities": (i * 7) % 11 if fatalities else 0})
        out.append({"source": source, "week": w.isoformat(),
                    "event_class": "violence-against-civilians", "events": 1 + i % 3,
                    "fatalities": i % 4 if fatalities else 0})
    return out


def _weeks(n, step=1):
    return [MONDAY + dt.timedelta(weeks=k) for k in range(0, n, step)]


def _x_labels(svg: str) -> list[str]:
    axis = svg.index("aria-label=\"X-axis")
    group = svg[svg.index('role-axis-label', axis):]
    group = group[:group.index("</g>")]
    return re.findall(r"<text[^>]*>([^<]*)</text>", group)


def _plot_width(svg: str) -> float:
    return float(re.search(r'<path class="background"[^>]*d="M0,0h([\d.]+)', svg).group(1))


def _bar_widths(svg: str) -> list[float]:
    marks = svg[svg.index('class="mark-rect role-mark'):]
    marks = marks[:marks.index("</g>")]
    return [float(w) for w in re.findall(r'<path d="M[\d.e-]+,[\d.e-]+h([\d.e-]+)', marks)]


@pytest.mark.parametrize("first,last,unit", [
    (MONDAY, MONDAY, "week"),
    (MONDAY, MONDAY + dt.timedelta(weeks=25), "week"),  # 26 weeks: half a year
    (MONDAY, MONDAY + dt.timedelta(weeks=27), "month"),
    (MONDAY, MONDAY + dt.timedelta(weeks=103), "month"),  # two years of UCDP weeks
    (MONDAY, MONDAY + dt.timedelta(weeks=259), "month"),  # five years of weeks
    (MONDAY, MONDAY + dt.timedelta(days=6 * 365), "year"),
    (dt.date(1989, 1, 2), dt.date(2023, 12, 25), "year"),  # UCDP Myanmar 1989-2023
])
def test_time_unit_follows_the_span(first, last, unit):
    assert charts.time_unit(first, last) == unit


def test_one_week_is_one_bar_among_weeks_not_a_block():
    with translation.override("en"):
        [c] = charts.signal_charts(_rows([MONDAY]))
    assert (c["unit"], c["weeks"]) == ("week", 1)
    svg = c["events_svg"]
    widths = _bar_widths(svg)
    assert widths and max(widths) < _plot_width(svg) / 8
    labels = _x_labels(svg)
    assert "21 Oct 2019" in labels
    assert len(labels) == len(set(labels)), labels  # "Oct 2019" three times, before


@pytest.mark.parametrize("n,step,unit,least", [
    (104, 1, "month", 12.0),  # two years of weeks: hairlines, before
    (520, 3, "year", 25.0),  # ten years
    (1820, 1, "year", 10.0),  # thirty-five years
])
def test_long_series_are_summed_into_wide_bars(n, step, unit, least):
    with translation.override("en"):
        [c] = charts.signal_charts(_rows(_weeks(n, step)))
    assert c["unit"] == unit
    for svg in (c["events_svg"], c["fatalities_svg"]):
        widths = _bar_widths(svg)
        assert widths and min(widths) >= least, min(widths)
        labels = _x_labels(svg)
        assert len(labels) == len(set(labels)) and 2 <= len(labels) <= 25, labels
    if unit == "year":
        assert all(re.fullmatch(r"\d{4}", t) for t in _x_labels(c["events_svg"]))


def test_small_counts_have_whole_ticks():
    with translation.override("en"):
        [c] = charts.signal_charts([{"source": "gdelt1", "week": "2016-07-25",
                                     "event_class": "protest", "events": 1,
                                     "fatalities": 0}])
    svg = c["events_svg"]
    axis = svg[svg.index("aria-label=\"Y-axis"):]
    axis = axis[axis.index("role-axis-label"):]
    ticks = re.findall(r"<text[^>]*>([^<]*)</text>", axis[:axis.index("</g>")])
    assert ticks == ["0", "1"]


def test_no_fatalities_no_empty_axis():
    with translation.override("en"):
        [ucdp] = charts.signal_charts(_rows(_weeks(10), fatalities=False))
        [gdelt] = charts.signal_charts(_rows(_weeks(1), source="gdelt2"))
    assert ucdp["events_svg"] and ucdp["fatalities_svg"] == "" and ucdp["counts_fatalities"]
    # GDELT counts no deaths at all: no chart, whatever its rows say
    assert gdelt["fatalities_svg"] == "" and not gdelt["counts_fatalities"]


def test_charts_are_responsive_and_equally_wide():
    with translation.override("en"):
        [c] = charts.signal_charts(_rows(_weeks(40)))
    sizes = []
    for svg in (c["events_svg"], c["fatalities_svg"]):
        root = re.match(r"<svg[^>]*>", svg).group(0)
        assert 'width="100%"' in root and "height=" not in root.replace("height: ", "")
        sizes.append(re.search(r'viewBox="0 0 ([\d.]+) ', root).group(1))
    assert sizes[0] == sizes[1] == str(charts.FULL_WIDTH)
    # the two plots start at the same x: the y axes take the same room
    assert len({re.search(r'transform="translate\(([\d.]+),', svg).group(1)
                for svg in (c["events_svg"], c["fatalities_svg"])}) == 1


def test_sources_are_charted_apart_with_their_own_span():
    rows = _rows(_weeks(400)) + _rows([MONDAY], source="gdelt2")
    with translation.override("en"):
        out = {c["source"]: c for c in charts.signal_charts(rows)}
    assert out["ucdp-ged"]["unit"] == "year" and out["gdelt2"]["unit"] == "week"
    assert out["gdelt2"]["name"] == "GDELT 2.0" and out["ucdp-ged"]["name"] == "UCDP GED"


def test_many_classes_fold_into_other_classes():
    rows = [{"source": "acled", "week": "2021-10-25", "event_class": f"class-{i}",
             "events": 20 - i, "fatalities": 0} for i in range(12)]
    with translation.override("en"):
        [c] = charts.signal_charts(rows)
    legend = re.search(r"Symbol legend titled 'Event class' for fill color with (\d+) values",
                       c["events_svg"])
    assert int(legend.group(1)) == charts.MAX_CLASSES
    assert "other classes" in c["events_svg"]


def test_dates_are_written_in_the_interface_language():
    with translation.override("fr"):
        [c] = charts.signal_charts(_rows(_weeks(30)))
    labels = _x_labels(c["events_svg"])
    assert any("nov." in t or "déc." in t for t in labels), labels


def test_every_event_class_is_named_in_words_in_both_languages():
    from tocsin.events import taxonomy
    from tocsin.web.countries import event_classes

    ids = set(taxonomy.load().classes)
    assert ids <= set(event_classes.NAMES)
    with translation.override("en"):
        assert charts.class_label("armed-clash") == "Armed clash"
        assert charts.class_label("remote-violence").endswith("shelling, explosives)")
        english = {c: event_classes.name(c) for c in ids}
    with translation.override("fr"):
        same = [c for c in ids if event_classes.name(c) == english[c]]
    assert not same, same
