"""The tracker in a real headless Chromium: a focal point edits a row of the matrix in
place (HTMX, one form for the row) and sees it saved without leaving the page."""

from __future__ import annotations

import pytest

from tests.web.conftest import ARTIFACTS, FAST_HASHERS
from tests.web.world import PASSWORD, build_world, load_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_focal_point_edits_a_row_in_place(live_server, browser, settings):
    from playwright.sync_api import expect

    from tocsin.web.tracker.models import Recommendation

    settings.PASSWORD_HASHERS = FAST_HASHERS
    load_world() or build_world()
    base = live_server.url
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", "focal")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.form button")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/tracker/?region=sub-saharan-africa&q=ken")
        row = page.locator("#row-KEN")
        expect(row.locator("td").nth(1)).to_contain_text("In progress")  # its assessment
        row.get_by_test_id("edit-KEN").click()
        select = page.locator("#row-KEN select[name='focal_point-status']")
        expect(select).to_be_visible()
        expect(page.locator("#row-KEN select[name='rome_statute-status']")).to_have_value("done")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "tracker-edit-row.png"))
        select.select_option("done")
        page.locator("#row-KEN button").click()
        expect(page.locator("#row-KEN select")).to_have_count(0)
        expect(page.locator("#row-KEN td").first).to_contain_text("Done")
        assert page.url.endswith("q=ken")  # no page change: the row was swapped in place
        assert Recommendation.objects.get(country="KEN", item="focal_point").status == "done"
        assert not Recommendation.objects.filter(country="KEN", item="rome_statute").exists()
    finally:
        context.close()
    assert not problems, problems
