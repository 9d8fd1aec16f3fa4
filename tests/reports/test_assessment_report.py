"""The assessment report: sections, charts embedded, sensitive evidence, PDF pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tocsin.assessment.io import load_with_framework
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
                    "7. Scenarios and watch points", "8. Method", "Annex A. Evidence",
                    "Annex B. Assessors"):
        assert heading in html, heading
    assert "Kenya" in html and "In review" in html
    assert "Inter-communal violence around the next general election" in html
    assert "alert rules: hate-speech-spike" in html
    # the state practice of a gap's measure, and a recommendation
    assert "Since 2003 more than 400 people" in html or "Argentina" in html or "ARG" in html


def test_charts_embedded_and_nothing_loaded_from_outside(html):
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 4
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
