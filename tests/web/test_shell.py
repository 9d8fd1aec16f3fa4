"""The frame every page shares (issue 14, items 8 and 10): the icon, the log of a
request that went wrong, links from files."""

from __future__ import annotations

import io
import logging

import pytest
from django.urls import reverse


def test_favicon_is_served_and_linked(client, world):
    resp = client.get("/favicon.ico")
    assert resp.status_code == 200
    assert b"".join(resp.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    client.force_login(world.users["viewer"])
    body = client.get(reverse("assessments:home")).content.decode()
    assert 'rel="icon" href="/static/tocsin/favicon.svg"' in body
    assert client.get("/static/tocsin/favicon.svg").status_code == 200


@pytest.fixture
def django_log():
    """What Django's console handler writes, and what reaches the root logger (where
    waitress's ``logging.basicConfig`` puts a second handler)."""
    django_logger = logging.getLogger("django")
    handler = next(h for h in django_logger.handlers if isinstance(h, logging.StreamHandler))
    console, root_out = io.StringIO(), io.StringIO()
    old = handler.setStream(console)
    root_handler = logging.StreamHandler(root_out)
    logging.getLogger().addHandler(root_handler)
    try:
        yield console, root_out
    finally:
        handler.setStream(old)
        logging.getLogger().removeHandler(root_handler)


def test_a_4xx_is_logged_once_without_traceback(client, world, django_log):
    console, root = django_log
    client.force_login(world.users["viewer"])
    assert client.get("/no/such/page/").status_code == 404
    # The viewer may not create an assessment: PermissionDenied, an ordinary 403.
    assert client.get(reverse("assessments:new")).status_code == 403
    text = console.getvalue()
    assert text.count("Not Found: /no/such/page/") == 1
    assert text.count("Forbidden (Permission denied): /assessments/new/") == 1
    assert "Traceback" not in text
    assert root.getvalue() == ""  # not printed a second time by the root logger


def test_a_5xx_keeps_its_traceback():
    from tocsin.web.shell.logs import ClientErrorsPlain

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        exc = sys.exc_info()
    rec = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), exc)
    rec.status_code = 500
    assert ClientErrorsPlain().filter(rec) and rec.exc_info is exc
    rec.status_code = 403
    assert ClientErrorsPlain().filter(rec) and rec.exc_info is None


@pytest.mark.parametrize("url", [
    "https://example.org/report", "http://example.org", " https://example.org/x ",
    "javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "https://",
    "http:/example.org", "https://example.org/\njavascript:x", "HTTPS://EXAMPLE.ORG/", None, 3,
])
def test_safe_url_decides_as_the_reports_do(url):
    from tocsin.links import web_url
    from tocsin.web.shell.templatetags.tocsin import safe_url

    assert safe_url(url) == (web_url(url) or "")


def test_safe_url_refuses_a_web_scheme_without_a_host():
    from tocsin.web.shell.templatetags.tocsin import safe_url

    assert safe_url("https://") == ""  # accepted before: it starts with "https://"
    assert safe_url("https://example.org/\r\nx") == ""
