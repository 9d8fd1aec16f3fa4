"""The interactive API reference (issue 14, item 7): Swagger UI from the files bundled
with django-ninja, to signed-in users only, with nothing loaded from elsewhere."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse


def test_reference_requires_login(client, world):
    for url in (reverse("api_docs:reference"),
                reverse("api_docs:asset", args=["swagger-ui-bundle.js"])):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith(
            reverse("accounts:login")), url


def test_reference_loads_only_the_sites_own_files(client, world):
    client.force_login(world.users["viewer"])
    resp = client.get(reverse("api_docs:reference"))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert 'id="swagger-ui"' in body and "/api/v1/openapi.json" in body
    refs = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert refs and all(r.startswith(("/", "#")) for r in refs), refs
    assert "cdn" not in body.lower() and "unpkg" not in body.lower()
    # The CSP stays the site's: scripts and styles from the site only.
    csp = resp["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        asset = client.get(reverse("api_docs:asset", args=[name]))
        assert asset.status_code == 200
        assert asset["Content-Type"].startswith(("text/javascript", "application/javascript",
                                                 "text/css"))
        assert b"".join(asset.streaming_content)[:20]
    assert client.get(reverse("api_docs:asset", args=["favicon.png"])).status_code == 404
    assert client.get(reverse("api_docs:asset", args=["..%2fmain.py"])).status_code == 404


def test_tokens_page_links_the_reference(client, world):
    client.force_login(world.users["viewer"])
    body = client.get(reverse("api_tokens:tokens")).content.decode()
    assert reverse("api_docs:reference") in body


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_reference_renders_in_a_browser_with_no_request_elsewhere(live_server, browser,
                                                                   settings):
    from tests.web.conftest import ARTIFACTS, FAST_HASHERS
    from tests.web.world import PASSWORD, build_world, load_world

    settings.PASSWORD_HASHERS = FAST_HASHERS
    load_world() or build_world()
    base = live_server.url
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", "viewer")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.form button")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}{reverse('api_docs:reference')}")
        page.wait_for_selector(".swagger-ui .opblock", timeout=20000)
        ops = page.locator(".swagger-ui .opblock").count()
        assert ops >= 15  # every operation of the API is listed
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "api-reference.png"), full_page=False)
    finally:
        context.close()
    elsewhere = [u for u in requests if not u.startswith(base) and not u.startswith("data:")]
    assert not elsewhere, elsewhere
    assert not problems, problems
