"""Links taken from other people's files become links only if they go to the web.

An assessment file may cite ``javascript:``, ``data:`` or ``file:`` URLs, by mistake or
to attack whoever opens the report; the reports and the site show such a URL as text,
never as a link.
"""

from __future__ import annotations

from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")


def web_url(url: object) -> str | None:
    """``url`` if it is an http(s) address with a host, else None."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() in WEB_SCHEMES and parts.netloc and not any(
            c in text for c in "\x00\r\n\t"):
        return text
    return None
