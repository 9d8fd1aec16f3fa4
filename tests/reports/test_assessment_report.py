"""The assessment report: sections, charts embedded, sensitive evidence, PDF pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tocsin.assessment.io import load_with_framework, new_assessment
from tocsin.assessment.model import Assessor, IndicatorRating
from tocsin.assessment.scoring import score
from tocsin.framework import load_framework
from tocsin.reports import charts
from tocsin.reports.assessment import render_html, render_pdf

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "assessment.yaml"
SENSITIVE = "Interview notes: a relative of a person abducted"


@pytest.fixture(scope="module")
def example():
    return load_with_framework(EXAMPLE)


@pytest.fixture(scope="module")
def html(example):
    return render_html(*example)


def test_sections_present(html):
    for heading in ("1. Executive summary", "2. Risk-factor profile",
                    "3. Indicator ratings by assessor", "4. Government and civil society",
                    "5. Resilience and gaps", "Policy options and state practice", "6. Triggers",
                    "7. Scenarios and watch points", "8. Method", "Rating guidance",
                    "Annex A. Ratings by indicator and assessor", "Annex B. Evidence",
                    "Annex C. Assessors"):
        assert heading in html, heading
    assert "Kenya" in html and "In review" in html
    assert "Inter-communal violence around the next general election" in html
    assert "alert rules: repression-level, civilian-killings-level-admin1" in html
    # the state practice of a gap's measure, and a recommendation
    assert "Since 2003 more than 400 people" in html or "Argentina" in html or "ARG" in html


def test_charts_embedded_and_nothing_loaded_from_outside(html):
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 4  # profile, divergence, resilience, and the heat map on one page
    assert all(src.startswith("data:image/svg+xml;base64,") for src in images)
    assert not re.search(r'src="(https?:)?//', html)
    assert "<link" not in html and "@import" not in html and "<script" not in html


def test_links_are_only_evidence_citations(html):
    hrefs = re.findall(r'<a href="([^"]+)"', html)
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    srcs = re.findall(r'src="([^"]+)"', html)
    assert not [s for s in srcs if not s.startswith("data:")]


def test_sensitive_evidence_left_out_unless_asked(example, html):
    assert SENSITIVE not in html
    assert "2 evidence items are marked sensitive and" in html
    full = render_html(*example, include_sensitive=True)
    assert SENSITIVE in full
    assert "Restricted: contains sensitive evidence" in full


def test_recalled_indicator_texts_are_marked(html):
    # 1.6 is recalled-high, 7.3 is checked: only the first carries the mark
    assert re.search(r"<td>1\.6<sup class=\"mark\">†</sup>", html)
    assert re.search(r"<td>7\.3<sup class=\"mark\"></sup>", html)
    assert "recalled with high confidence" in html


@pytest.mark.slow
def test_pdf_has_pages(example, tmp_path):
    pdf = render_pdf(*example)
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert pages >= 10
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                              text=True).stdout
        assert "Executive summary" in text and SENSITIVE not in text


# --- rating guidance in the method section -------------------------------------------


def test_method_shows_the_rating_guidance_marked_as_tocsins(example, html):
    _a, fw = example
    method = html[html.index("<h2>8. Method</h2>"):html.index("Annex A.")]
    assert "Rating guidance" in method and "by Tocsin" in method
    assert "not part of the UN publication" in method
    assert ("Source: Rating guidance for the Framework of Analysis for Atrocity Crimes "
            "(Tocsin, 2026)") in method
    # every risk factor, every level, and the general guidance on unknown and confidence
    for rf in fw.risk_factors:
        for _level, _name, text in rf.rating_guidance.levels():
            assert _html_text(text) in method, (rf.id, _name)
    assert _html_text(fw.rating_guidance.unknown) in method
    assert "<em>high</em>:" in method
    for head in ("0 absent", "1 present", "2 significant", "3 severe"):
        assert f"<th>{head}</th>" in method


def test_guidance_replaced_by_an_extension_is_credited_to_its_source(example, tmp_path):
    a, _fw = example
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples",
                    tmp_path / "examples")
    (tmp_path / "frameworks").mkdir()
    shutil.copy(tmp_path / "examples" / "framework-extension.yaml",
                tmp_path / "frameworks" / "state.yaml")
    fw = load_framework("foa-example-state", tmp_path)
    state = a.model_copy(update={"framework": fw.id, "framework_version": fw.version})
    page = render_html(state, fw)
    method = page[page.index("<h2>8. Method</h2>"):page.index("Annex A.")]
    assert "Armed conflict in many counties, with civilians killed or displaced." in method
    assert "* Guidance from Rating guidance agreed by the national committee" in method


# --- charts: whole names, legible heat map -------------------------------------------


def test_chart_labels_are_never_cut(example):
    card = score(*example)
    for svg in (charts.risk_profile(card), charts.divergence(card), charts.resilience(card)):
        assert "…" not in svg
    # the longest risk-factor name is shown whole, over two lines
    svg = charts.risk_profile(card)
    for line in ("2. Record of serious violations of international",
                 "human rights and humanitarian law"):
        assert f">{line}</tspan>" in svg, line


def test_heat_map_fits_the_page_at_a_legible_size(example):
    card = score(*example)
    pages = charts.heat_maps(card)
    assert len(pages) == 1
    width, height = _svg_size(pages[0])
    assert width <= charts.PAGE_WIDTH and height <= 900  # 170 x 240 mm: one A4 text block
    # 9.5 px labels are 7 pt on paper: the chart is shown at its own size
    assert 'font-size="9.5px"' in pages[0] or "font-size: 9.5px" in pages[0]
    panels = charts.heat_panels(card)
    assert sum(len(p) for p in panels) == len(card.indicators)
    for panel in panels:  # panels hold whole risk factors
        assert len(panel) <= charts.HEAT_ROWS
    starts = {p[0].risk_factor for p in panels[1:]}
    assert all(p[0].id == f"{p[0].risk_factor}.1" for p in panels)
    assert starts


def test_heat_map_of_many_assessors_goes_over_pages():
    fw = load_framework("un-foa-2014")
    assessors = [Assessor(id=f"assessor-{n:02d}", name=f"A{n}", affiliation="other",
                          indicators={i: IndicatorRating(level=n % 4) for i in fw.indicators})
                 for n in range(12)]
    card = score(new_assessment(fw, "GHA", assessors=assessors), fw)
    pages = charts.heat_maps(card)
    assert len(pages) >= 2
    for svg in pages:
        assert _svg_size(svg)[0] <= charts.PAGE_WIDTH


def test_charts_are_shown_at_their_own_size(html):
    for width in re.findall(r'<img src="data:[^"]+" style="width: (\d+)px"', html):
        assert 0 < int(width) <= charts.PAGE_WIDTH


def _svg_size(svg: str) -> tuple[float, float]:
    m = re.search(r'<svg[^>]*width="([\d.]+)"[^>]*height="([\d.]+)"', svg)
    return float(m.group(1)), float(m.group(2))


def _html_text(text: str) -> str:
    from markupsafe import escape  # as the template escapes

    return str(escape(text))


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)",
                                 "data:text/html,<script>alert(1)</script>",
                                 "file:///etc/passwd", " javascript:alert(1)", "//evil.example/x"])
def test_hostile_links_in_an_imported_file_are_text_not_links(url):
    from tocsin.assessment.io import load_with_framework
    from tocsin.assessment.model import Evidence
    from tocsin.reports.assessment import render_html

    a, fw = load_with_framework(EXAMPLE)
    first = next(iter(a.assessors[0].indicators))
    rating = a.assessors[0].indicators[first]
    hostile = Evidence(text="A report, they said", url=url)
    a.assessors[0].indicators[first] = rating.model_copy(update={"evidence": [hostile]})
    html = render_html(a, fw)
    assert "A report, they said" in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not [h for h in hrefs if not h.startswith(("http://", "https://", "#"))], hrefs


def test_web_links_stay_links():
    from tocsin.links import web_url

    assert web_url("https://www.ohchr.org/en/report") == "https://www.ohchr.org/en/report"
    assert web_url("http://x.org/a b") == "http://x.org/a b"
    for bad in ("javascript:alert(1)", "https://", "ftp://x.org/f", None, "https://x\n.org"):
        assert web_url(bad) is None
