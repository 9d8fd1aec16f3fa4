"""The assessment report: self-contained HTML, and PDF through WeasyPrint.

One template serves both. Charts are SVG rendered offline and embedded as data
URIs, the stylesheet is inlined and no asset is loaded from anywhere, so the HTML
can be mailed or opened on an air-gapped machine and the PDF renders the same.

Evidence marked ``sensitive`` may identify witnesses: it is left out unless the
caller asks for it, and the report says how many items were withheld.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from tocsin.assessment.gaps import GAP_RESILIENCE, GAP_RISK
from tocsin.assessment.model import AFFILIATION_NAMES, LEVEL_NAMES, Assessment
from tocsin.assessment.scoring import (
    DISAGREEMENT_SPREAD,
    DIVERGENCE_FLAG,
    EFFECTIVENESS_VALUE,
    MIN_COVERAGE,
    RESILIENCE_BANDS,
    RISK_BANDS,
    STATUS_VALUE,
    TOP_N,
    Scorecard,
    score,
)
from tocsin.framework import Framework
from tocsin.links import web_url
from tocsin.reports.labels import (
    HEADING_LABELS,
    RESILIENCE_LABELS,
    RISK_LABELS,
    STATUS_LABELS,
)

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"

# A recalled indicator text is never shown as if it were checked against the source.
VERIFICATION_MARKS = {"checked": "", "recalled-high": "†", "recalled-low": "‡"}
PNG_SCALE = 3  # charts are drawn at 96 dpi; x3 is about 290 dpi, print quality on A4


def country_name(code: str) -> str:
    from tocsin import countries

    return countries.name(code)


@dataclass(frozen=True)
class Image:
    """A chart ready for the template: its data URI and its size in CSS px. The report
    shows a chart at its own size, so the font sizes the chart was drawn with are the
    sizes on paper."""

    src: str
    width: float
    height: float

    def __bool__(self) -> bool:
        return bool(self.src)


def _size(svg: str) -> tuple[float, float]:
    m = re.search(r'<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"', svg)
    return (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)


def _data_uri(svg: str, raster: bool = False) -> Image:
    if not svg:
        return Image("", 0, 0)
    width, height = _size(svg)
    if raster:
        # WeasyPrint draws SVG in pure Python (most of the PDF time on a large
        # assessment); vl-convert's native renderer makes a print-resolution PNG fast.
        import vl_convert as vlc

        png = vlc.svg_to_png(svg, scale=PNG_SCALE)
        return Image("data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                     width, height)
    return Image("data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8"))
                 .decode("ascii"), width, height)


def build_context(a: Assessment, fw: Framework, include_sensitive: bool = False,
                  card: Scorecard | None = None, raster: bool = False) -> dict:
    """Everything the template shows, computed once (the site can reuse it)."""
    from tocsin.reports import charts

    card = card or score(a, fw)
    indicators = fw.indicators
    names = {x.id: x.name for x in a.assessors}

    evidence, withheld = [], 0
    item_names = {"indicator": {i: ind.text for i, ind in indicators.items()},
                  "measure": {m.id: m.name for m in fw.resilience_measures},
                  "trigger": {t.id: t.name for t in fw.triggers}}
    for assessor_id, kind, item_id, ev in a.evidence():
        if ev.sensitive and not include_sensitive:
            withheld += 1
            continue
        evidence.append({"assessor": names[assessor_id], "kind": kind, "item": item_id,
                         "item_text": item_names[kind].get(item_id, ""), "ev": ev,
                         "mark": VERIFICATION_MARKS[indicators[item_id].verification]
                         if kind == "indicator" else ""})
    evidence.sort(key=lambda e: (["indicator", "measure", "trigger"].index(e["kind"]),
                                 _natural(e["item"])))

    divergent = sorted((i for i in card.indicators if i.divergent),
                       key=lambda i: (-abs(i.divergence), _natural(i.id)))
    disagreements = [i for i in card.indicators if i.disagreement]
    comments = {}
    for x in a.assessors:
        for ind_id, r in x.indicators.items():
            if r.comment:
                comments.setdefault(ind_id, []).append((x.name, r.comment))
    rf_by_id = {rf.id: rf for rf in card.risk_factors}
    drivers = [rf_by_id[i] for i in card.overall.drivers]
    high = [rf for rf in card.risk_factors if rf.level in ("high", "very-high")]
    trigger_rows = [t for t in card.triggers if t.observed]
    gaps = card.gaps
    top_measures = []
    for g in gaps:
        if g.measure not in top_measures:
            top_measures.append(g.measure)
    return {
        "a": a, "fw": fw, "card": card,
        "country": country_name(a.country),
        "title": a.title or f"National assessment of risk and resilience to atrocity crimes: "
                             f"{country_name(a.country)}",
        "status": STATUS_LABELS[a.status],
        "generated": dt.date.today(),
        "include_sensitive": include_sensitive, "withheld": withheld, "evidence": evidence,
        "charts": {
            "profile": _data_uri(charts.risk_profile(card), raster),
            "heat": [_data_uri(svg, raster) for svg in charts.heat_maps(card)],
            "divergence": _data_uri(charts.divergence(card), raster),
            "resilience": _data_uri(charts.resilience(card), raster),
        },
        "drivers": drivers, "high": high, "divergent": divergent[:15],
        "divergent_total": len(divergent), "disagreements": disagreements,
        "comments": comments, "triggers_observed": trigger_rows,
        "gaps": gaps[:12], "gaps_total": len(gaps),
        "gap_measures": [fw.measure(m) for m in top_measures[:6]],
        "gap_by_measure": {m: [g for g in gaps if g.measure == m] for m in top_measures},
        "indicators": indicators, "assessors": a.assessors, "names": names,
        "affiliations": AFFILIATION_NAMES,
        "assessor_groups": [(AFFILIATION_NAMES[k], n) for k in AFFILIATION_NAMES
                            if (n := sum(1 for x in a.assessors if x.affiliation == k))],
        "level_names": LEVEL_NAMES,
        "risk_labels": RISK_LABELS, "resilience_labels": RESILIENCE_LABELS,
        "heading_labels": HEADING_LABELS, "marks": VERIFICATION_MARKS,
        "verification": fw.verification_counts(),
        "triggers": {t.id: t for t in fw.triggers},
        "guidance": _guidance(fw),
        "method": {
            "bands": RISK_BANDS, "resilience_bands": RESILIENCE_BANDS,
            "min_coverage": MIN_COVERAGE, "spread": DISAGREEMENT_SPREAD,
            "divergence": DIVERGENCE_FLAG, "top_n": TOP_N, "gap_risk": GAP_RISK,
            "gap_resilience": GAP_RESILIENCE, "status": STATUS_VALUE,
            "effectiveness": EFFECTIVENESS_VALUE,
        },
    }


def _guidance(fw: Framework) -> dict | None:
    """The framework's rating guidance for the method section, with whose it is; None
    if the framework has none."""
    rows = [(rf, rf.rating_guidance) for rf in fw.risk_factors if rf.rating_guidance]
    if not rows and fw.rating_guidance is None:
        return None
    main = fw.rating_guidance.source if fw.rating_guidance else rows[0][1].source
    sources = {s.key: s for s in fw.sources}
    others = [sources[k] for k in dict.fromkeys(g.source for _, g in rows)
              if k != main and k in sources]
    return {"general": fw.rating_guidance, "rows": rows, "main": main,
            "source": sources.get(main), "others": others}


def _natural(item_id: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in item_id.split(".")) + (item_id,)


def _environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["html"]),
                             lstrip_blocks=True)
    env.filters["num"] = lambda x, d=0: "–" if x is None else f"{x:.{d}f}"
    env.filters["pct"] = lambda x: "–" if x is None else f"{x:.0%}"
    env.filters["signed"] = lambda x, d=1: "–" if x is None else f"{x:+.{d}f}"
    env.filters["level"] = lambda x: "–" if x is None else f"{x:g}"
    env.filters["web_url"] = web_url
    return env


def render_html(a: Assessment, fw: Framework, include_sensitive: bool = False,
                raster: bool = False) -> str:
    """The report as one self-contained HTML document (charts as SVG, or PNG if ``raster``)."""
    context = build_context(a, fw, include_sensitive, raster=raster)
    context["css"] = (TEMPLATES / "assessment.css").read_text(encoding="utf-8")
    return _environment().get_template("assessment.html").render(**context)


def render_pdf(a: Assessment, fw: Framework, include_sensitive: bool = False) -> bytes:
    """The report as PDF (A4), from the same HTML."""
    import weasyprint

    html = render_html(a, fw, include_sensitive, raster=True)
    # No base URL and a fetcher that allows only data: URIs: nothing is loaded from outside.
    return weasyprint.HTML(string=html, url_fetcher=_offline_fetcher()).write_pdf()


def _offline_fetcher():
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # older WeasyPrint: a fetcher is a plain function
        from weasyprint import default_url_fetcher

        def fetch(url, *args, **kwargs):
            if not url.startswith("data:"):
                raise ValueError(f"report tried to load {url}; reports are self-contained")
            return default_url_fetcher(url, *args, **kwargs)

        return fetch
    return URLFetcher(allowed_protocols={"data"})
