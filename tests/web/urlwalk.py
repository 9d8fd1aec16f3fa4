"""The authorisation walk, shared by the permission matrices of the site's pages
(test_authz.py, test_authz_watch.py) and of the API (api/test_authz.py).

Every URL is enumerated from the URL configuration, so a page added without a row in
a matrix fails that matrix's "every URL has a rule" test. Each request runs in a
savepoint that is rolled back, so an allowed delete does not spoil the next request;
a refused write must also leave the database unchanged.
"""

from __future__ import annotations

import copy

from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# The namespaces of the countries, alerts and tracker pages and of the API, walked with
# the watch world (test_authz_watch.py, api/test_authz.py); every other URL is walked
# by test_authz.py.
WATCH_NAMESPACES = ("countries", "alerts", "tracker", "api_tokens", "api")
# Sensitive evidence of the world (world.py) and who may see it; any other reader that
# is shown one of these texts is a leak.
SENSITIVE_TEXTS = {"Witness W-17 saw the militia meeting": {"focal", "assessor"},
                   "Source in the district office": {"focal", "assessor2"}}
# Every answer of the site is "Cache-Control: no-store, private" (no browser or proxy
# keeps a page that may show evidence), except these files without any user data.
CACHEABLE_VIEWS = {"favicon", "api_docs:asset"}


class _Rollback(Exception):
    pass


def url_names(namespaces: tuple[str, ...] | None = None, exclude: tuple[str, ...] = ()
              ) -> set[str]:
    """Every URL of the URL configuration as "namespace:name", of the top namespaces
    ``namespaces`` (all if None) except those in ``exclude``. A URL without a name fails:
    it could not be checked."""
    names = set()

    def walk(patterns, ns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, ns + [p.namespace] if p.namespace else ns)
            elif isinstance(p, URLPattern):
                top = ns[0] if ns else ""
                if (namespaces is not None and top not in namespaces) or top in exclude:
                    continue
                assert p.name, f"URL {p.pattern} has no name, so it cannot be checked"
                names.add(":".join(ns + [p.name]))

    walk(get_resolver().url_patterns, [])
    return names


def denied(resp) -> bool:
    """A refusal: 401, 403, 404 (what one may not read does not exist), or the login
    page."""
    if resp.status_code in (401, 403, 404):
        return True
    return resp.status_code == 302 and resp["Location"].startswith(reverse("accounts:login"))


def rolled_back(send, fingerprint=None):
    """(response of ``send()``, ``fingerprint()`` before and after it) for a request run
    in a savepoint that is then rolled back; the fingerprints are None without one."""
    before = fingerprint() if fingerprint else None
    after = None
    try:
        with transaction.atomic():
            resp = send()
            after = fingerprint() if fingerprint else None
            raise _Rollback
    except _Rollback:
        pass
    return resp, before, after


def leaks(where: str, resp, role: str) -> list[str]:
    """Problems if a 200 answer shows sensitive evidence ``role`` may not see."""
    if resp.status_code != 200:
        return []
    if resp.streaming:
        b"".join(resp.streaming_content)  # run it to the end: it must not fail
        return []
    body = resp.content.decode("utf-8", "replace")
    return [f"{where}: shows sensitive evidence {text!r}"
            for text, who in SENSITIVE_TEXTS.items() if text in body and role not in who]


def cached(resp) -> bool:
    """Whether the answer lets a cache keep it (it is not "no-store, private")."""
    match = getattr(resp, "resolver_match", None)
    if match is not None and match.view_name in CACHEABLE_VIEWS and resp.status_code == 200:
        return False
    parts = {p.strip() for p in resp.get("Cache-Control", "").split(",")}
    return not {"no-store", "private"} <= parts


def judge(where: str, resp, allowed, role: str, method: str, before, after,
          must_write: bool = False) -> list[str]:
    """Problems with one answer: ``allowed`` is the roles that may, or None where the
    view must not answer the method (405, or a refusal). A refused write must change
    nothing; with ``must_write``, an allowed one must change something. No answer may
    be cached."""
    problems = []
    if resp.status_code >= 500:
        problems.append(f"{where}: server error")
    if cached(resp):
        problems.append(f"{where}: may be cached (Cache-Control: "
                        f"{resp.get('Cache-Control', '')!r})")
    if allowed is None:
        if resp.status_code != 405 and not denied(resp):
            problems.append(f"{where}: expected 405 or refusal")
        elif method == "POST" and before != after:
            problems.append(f"{where}: refused but the database changed")
        return problems
    if role in allowed:
        if denied(resp):
            problems.append(f"{where}: refused, but the role should have access")
        elif must_write and method == "POST" and before == after:
            problems.append(f"{where}: allowed but nothing was written")
    elif not denied(resp):
        problems.append(f"{where}: ALLOWED, but the role must not have access")
    elif method == "POST" and before != after:
        problems.append(f"{where}: refused but the database changed")
    return problems


def walk_pages(client, w, role: str, table: dict, post_data: dict, fingerprint,
               must_write: bool = False) -> list[str]:
    """Every (url name, label, kwargs, GET allowed, POST allowed) row of ``table``,
    requested by GET and POST as ``role`` (one of ``w.users``, or "anonymous"); the
    problems found. ``post_data``: url name -> a plausible body, so that an allowed
    request gets past its form to the write. A ``"?"`` in kwargs is the query string
    (the same page with filters, or in another mode)."""
    if role != "anonymous":
        client.force_login(w.users[role])
    session = copy.deepcopy(client.cookies)
    problems = []
    for name in sorted(table):
        for label, kwargs, get_ok, post_ok in table[name]:
            kwargs = dict(kwargs)
            query = kwargs.pop("?", "")
            url = reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")
            for method, allowed in (("GET", get_ok), ("POST", post_ok)):
                # The same session each time: logging out (or in) must not leak into the
                # next request, whose rollback does not reach the client's cookies.
                client.cookies = copy.deepcopy(session)
                refused = allowed is None or role not in allowed
                check = method == "POST" and (refused or must_write)

                def send(url=url, method=method, name=name):
                    if method == "GET":
                        return client.get(url)
                    return client.post(url, post_data.get(name, {}))

                resp, before, after = rolled_back(send, fingerprint if check else None)
                where = f"{method} {url} ({name} {label}) as {role}: {resp.status_code}"
                problems += judge(where, resp, allowed, role, method, before, after,
                                  must_write)
                if method == "GET":
                    problems += leaks(where, resp, role)
    return problems
