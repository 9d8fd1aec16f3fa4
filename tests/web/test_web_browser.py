"""The assessments in a real headless Chromium (Debian's package, driven by Playwright,
one browser for the session: conftest.py).

An assessor logs in, rates an indicator and adds evidence, and sees the score move;
the focal point sends the assessment to review, signs it off and downloads the PDF;
the administrator reads the audit log. Screenshots of the main pages go to
tests/artifacts/ (git-ignored). Any Content-Security-Policy violation or script
dialog fails the test.
"""

from __future__ import annotations

import pytest

from tests.web.conftest import ARTIFACTS, FAST_HASHERS
from tests.web.world import PASSWORD, build_world, load_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    pg = context.new_page()
    problems = []
    pg.on("console", lambda m: problems.append(m.text)
          if m.type == "error" and "Content Security Policy" in m.text else None)
    pg.on("dialog", lambda d: (problems.append(f"script dialog: {d.message}"), d.dismiss()))
    pg.problems = problems
    yield pg
    context.close()
    assert not problems, problems


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button")
    page.wait_for_url(f"{base}/")


def logout(page):
    page.click("header .me button.link")


@pytest.mark.django_db(transaction=True)
def test_assessor_rates_focal_point_signs_off(live_server, page, settings):
    from playwright.sync_api import expect

    from tocsin.web.assessments import convert

    settings.PASSWORD_HASHERS = FAST_HASHERS
    w = load_world() or build_world()
    base = live_server.url
    fw = convert.framework(w.ken.framework_id)
    rf = fw.risk_factors[0]

    page.goto(f"{base}/accounts/login/")
    shot(page, "01-login")
    login(page, base, "assessor")
    shot(page, "02-assessments")

    # Rate: the score of the risk factor in the side panel moves.
    page.goto(f"{base}/assessments/{w.ken.pk}/rate/{rf.id}/")
    score = page.get_by_test_id(f"rf-score-{rf.id}")
    before = score.inner_text()
    item = page.locator("article.item >> nth=0")
    current = item.locator("select[name$='-level']").input_value()
    new_level = "0" if current == "3" else "3"
    item.locator("select[name$='-level']").select_option(new_level)
    item.locator("select[name$='-confidence']").select_option("high")
    item.locator("textarea[name$='-comment']").fill("Seen in <b>two</b> districts")
    item.locator("form.rating button").click()
    expect(page.locator("article.item >> nth=0").locator(".saved")).to_be_visible()
    expect(page.get_by_test_id(f"rf-score-{rf.id}")).not_to_have_text(before)
    expect(page.get_by_test_id("section-score")).not_to_have_text(before)
    after = page.get_by_test_id(f"rf-score-{rf.id}").inner_text()

    # Evidence: a document, marked sensitive; and text with a script in it.
    item = page.locator("article.item >> nth=0")
    item.locator("summary").click()
    item.locator("textarea[name$='-text']").fill("Commission report, section 4")
    item.locator("input[name$='-url']").fill("https://example.org/report")
    doc = ARTIFACTS / "evidence.txt"
    doc.write_text("Notes of the district meeting.\n")
    item.locator("input[type=file]").set_input_files(str(doc))
    item.locator("input[name$='-sensitive']").check()
    item.locator("form.evform button").click()
    item = page.locator("article.item >> nth=0")
    expect(item.locator(".evidence li", has_text="Commission report, section 4")).to_be_visible()
    item.locator("summary").click()
    item.locator("textarea[name$='-text']").fill("<script>alert('x')</script> said the chief")
    item.locator("form.evform button").click()
    item = page.locator("article.item >> nth=0")
    expect(item.locator(".evidence li", has_text="<script>alert('x')</script>")).to_be_visible()
    # A disallowed file type is refused with a message, in place.
    item.locator("summary").click()
    item.locator("textarea[name$='-text']").fill("A program")
    exe = ARTIFACTS / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    item.locator("input[type=file]").set_input_files(str(exe))
    item.locator("form.evform button").click()
    expect(page.locator("article.item >> nth=0").locator(".errorlist")).to_contain_text(
        "not accepted")
    page.goto(f"{base}/assessments/{w.ken.pk}/")
    page.goto(f"{base}/assessments/{w.ken.pk}/rate/{rf.id}/")
    shot(page, "03-rate")
    # Reloaded from the server: the same score as shown live, in both places.
    assert page.get_by_test_id(f"rf-score-{rf.id}").inner_text() == after
    assert page.get_by_test_id("section-score").inner_text() == after

    page.goto(f"{base}/assessments/{w.ken.pk}/rate/measures/")
    shot(page, "03b-measures")
    page.goto(f"{base}/assessments/{w.ken.pk}/rate/triggers/")
    shot(page, "03c-triggers")
    page.goto(f"{base}/assessments/{w.ken.pk}/")
    shot(page, "04-overview-assessor")
    logout(page)

    # The focal point: review, sign-off, PDF.
    login(page, base, "focal")
    page.goto(f"{base}/assessments/{w.ken.pk}/")
    shot(page, "05-overview-focal")
    page.click("button[value=submit]")
    expect(page.get_by_test_id("status")).to_have_text("In review")
    page.click("button[value=finalise]")
    expect(page.get_by_test_id("status")).to_have_text("Final")
    shot(page, "06-final")
    # The first PDF of a process also starts the chart renderer: allow it minutes.
    with page.expect_download(timeout=300_000) as dl:
        page.get_by_test_id("pdf").click(no_wait_after=True)
    pdf = ARTIFACTS / "report.pdf"
    dl.value.save_as(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    page.goto(f"{base}/assessments/{w.ken.pk}/gaps/")
    shot(page, "07-gaps")
    page.goto(f"{base}/assessments/{w.ken.pk}/members/")
    shot(page, "08-members")
    logout(page)

    login(page, base, "admin")
    page.goto(f"{base}/audit/")
    expect(page.locator("table.audit")).to_contain_text("rating")
    shot(page, "09-audit")
    page.goto(f"{base}/accounts/users/")
    shot(page, "10-people")
