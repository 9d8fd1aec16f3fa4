"""The assessment pages say what they show (issue 14): the gaps' headings and rule, the
rating guidance beside the ratings, the new-assessment form's framework, an imported
file's status."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.web.world import EXAMPLE


def test_gap_headings_do_not_run_numbers_together(client, world):
    client.force_login(world.users["viewer"])
    body = client.get(reverse("assessments:gaps", args=[world.ken.pk])).content.decode()
    headings = [re.sub(r"<[^>]+>", " ", h) for h in re.findall(r"<h3>(.*?)</h3>", body, re.S)]
    assert headings
    for h in headings:  # "1. 2 Record of ..." before: rank and risk factor run together
        assert not re.match(r"\s*\d+\.\s+\d+\s", h), h
    assert "for risk factor 2: Record of serious violations" in body


def test_gaps_subtitle_says_what_is_shown(client, world):
    """The example's gaps include moderate factors (they drive the overall risk): the
    subtitle must not say "at high risk" above them."""
    client.force_login(world.users["viewer"])
    resp = client.get(reverse("assessments:gaps", args=[world.ken.pk]))
    levels = {g.risk_level for g in resp.context["card"].gaps}
    assert "moderate" in levels
    body = resp.content.decode()
    rule = re.search(r'data-testid="gaps-rule">(.*?)</p>', body, re.S).group(1)
    assert "at high risk" not in rule
    assert "scores 50 or more, or that drives the overall risk" in rule
    assert "below 70 or was not assessed" in rule


def test_rating_page_shows_the_risk_factors_guidance(client, world):
    from tocsin.web.assessments import convert

    fw = convert.framework(world.ken.framework_id)
    rf = fw.risk_factors[0]
    client.force_login(world.users["assessor"])
    body = client.get(reverse("assessments:rate_section", args=[world.ken.pk, rf.id])
                      ).content.decode()
    panel = body.split('data-testid="rating-guidance"', 1)[1].split("</details>\n", 1)[0]
    for _n, _name, text in rf.rating_guidance.levels():
        assert text.replace('"', "&quot;").replace("'", "&#x27;")[:60] in panel
    assert "Tocsin's guidance, not part of the UN Framework of Analysis" in panel
    assert fw.rating_guidance.unknown[:50] in panel
    assert " open" in body.split('data-testid="rating-guidance"', 1)[1][:10]  # an assessor
    # Above the indicators, not below them.
    assert body.index('data-testid="rating-guidance"') < body.index('class="item"')


def test_new_assessment_form_defaults_to_the_framework_of_analysis(client, world):
    client.force_login(world.users["focal"])
    form = client.get(reverse("assessments:new")).context["form"]
    assert form["framework"].value() == "un-foa-2014"


def test_an_imported_file_keeps_its_status(client, world):
    from tocsin.assessment.io import load_assessment
    from tocsin.web.assessments.models import Assessment

    text = EXAMPLE.read_text()
    assert load_assessment(EXAMPLE).status == "in-review"
    client.force_login(world.users["focal"])
    resp = client.post(reverse("assessments:import"), {
        "file": SimpleUploadedFile("kenya.yaml", text.encode(), "application/yaml")})
    assert resp.status_code == 302
    row = Assessment.objects.order_by("-pk").first()
    assert row.status == "in-review"


def test_from_model_keeps_the_files_status(db):
    """Every path that stores a file (the import, the demo) keeps its status."""
    from tests.web.world import example_model
    from tocsin.web.assessments import convert

    assert convert.from_model(example_model()).status == "in-review"


def test_levels_and_guidance_are_in_french(client, world):
    """In French the interface's words are French: level badges, the guidance's frame
    (the framework's own texts stay as written)."""
    from tocsin.web.assessments import convert

    rf = convert.framework(world.ken.framework_id).risk_factors[0]
    client.force_login(world.users["assessor"])
    client.cookies["django_language"] = "fr"
    body = client.get(reverse("assessments:rate_section", args=[world.ken.pk, rf.id]),
                      HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Guide de notation du facteur de risque 1" in body
    assert "pas partie du Cadre d’analyse de l’ONU" in body
    panel = body.split('id="score-panel"', 1)[1].split("</section>", 1)[0]
    assert "modéré" in panel and ">moderate<" not in panel and "very high" not in panel
    detail = client.get(reverse("assessments:detail", args=[world.ken.pk]),
                        HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'class="scrollx"' in detail  # the per-assessor table scrolls in its card
