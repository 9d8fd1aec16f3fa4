"""The watch in a real headless Chromium (Debian's package, driven by Playwright, one
browser for the session: conftest.py): the watch list with its map, a country page
with charts and map, a focal point acknowledging an alert, and an assessor attaching
it as evidence, which then shows in the assessment. Screenshots go to
tests/artifacts/watch-*.png. A Content Security Policy violation or a script dialog
fails the test.
"""

from __future__ import annotations

import pytest

from tests.web.conftest import ARTIFACTS
from tests.web.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


class Session:
    def __init__(self, browser, base, username):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("console", lambda m: self.problems.append(m.text)
                     if m.type == "error" and "Content Security Policy" in m.text else None)
        self.page.on("dialog", lambda d: (self.problems.append(d.message), d.dismiss()))
        self.base = base
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("form.form button")
        self.page.wait_for_url(f"{base}/")

    def shot(self, name, full=False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"watch-{name}.png"), full_page=full)

    def close(self):
        self.context.close()
        assert not self.problems, self.problems


@pytest.mark.django_db(transaction=True)
def test_watch_list_country_page_alert_to_evidence(live_server, browser, watch_world):
    from playwright.sync_api import expect

    base = live_server.url
    admin = Session(browser, base, "admin")
    pg = admin.page
    pg.click("header nav >> text=Watch list")
    expect(pg.locator("#world-map svg")).to_be_visible()
    # the map has one linked shape per country with a forecast
    assert pg.locator("#world-map svg a[href='/countries/MMR/']").count() == 1
    admin.shot("01-watch-list")
    # sort by open alerts: Myanmar (the UCDP sample) comes first
    pg.click("#watch-list th >> text=Open alerts")
    assert pg.locator("#watch-list tbody tr").first.get_attribute("data-country") == "MMR"
    # the country page, by a click on Myanmar on the map
    pg.locator("#world-map svg a[href='/countries/MMR/'] path").click()
    pg.wait_for_url(f"{base}/countries/MMR/")
    for chart in ("#country-map svg", "#weekly-events svg", "#weekly-fatalities svg",
                  "#drivers-chart svg", "#history-chart svg"):
        expect(pg.locator(chart)).to_be_visible()
    expect(pg.locator("#subnational")).to_contain_text("Mandalay")
    admin.shot("02-country-MMR", full=True)
    admin.close()

    # the focal point of Myanmar acknowledges the mass-killing alert
    alert = watch_world.mmr_alert
    focal = Session(browser, base, "focal_mmr")
    pg = focal.page
    pg.goto(f"{base}/inbox/?country=MMR")
    focal.shot("03-inbox")  # the inbox lists situations; each alert is on the alerts list
    pg.goto(f"{base}/inbox/alerts/?country=MMR&rule={alert.rule}")
    pg.click(f"tr[data-alert='{alert.pk}'] a >> nth=0")
    expect(pg.locator("#events")).to_contain_text(alert.event_ids[0])
    pg.fill("#act-acknowledged input[name=reason]", "Seen; checking with the field office")
    pg.click("#act-acknowledged button")
    expect(pg.locator("#alert-status")).to_have_text("Acknowledged")
    focal.shot("04-alert-acknowledged")
    focal.close()
    alert.refresh_from_db()
    assert alert.status == "acknowledged"

    # an assessor of the Myanmar assessment uses it as evidence
    assessor = Session(browser, base, "assessor_mmr")
    pg = assessor.page
    pg.goto(f"{base}/inbox/{alert.pk}/")
    pg.select_option("#use-as-evidence select[name=assessment]", str(watch_world.mmr.pk))
    expect(pg.locator("#use-as-evidence input[name=indicator]")).to_have_value(
        watch_world.indicator)
    pg.click("#use-as-evidence button")
    expect(pg.locator(".messages")).to_contain_text("added as evidence")
    expect(pg.locator("#actions")).to_contain_text("Myanmar test assessment")
    assessor.shot("05-alert-used-as-evidence")
    section = watch_world.indicator.split(".")[0]
    pg.goto(f"{base}/assessments/{watch_world.mmr.pk}/rate/{section}/")
    item = pg.locator(f"article.item >> text=Tocsin alert #{alert.pk}")
    expect(item.first).to_be_visible()
    item.first.scroll_into_view_if_needed()
    assessor.shot("06-evidence-in-assessment")
    assessor.close()
