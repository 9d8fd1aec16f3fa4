"""ACLED through its API, as ACLED documents it since 2025.

Authentication is OAuth with the myACLED account: a POST to ``<url>oauth/token`` with
``username``, ``password``, ``grant_type=password`` and ``client_id=acled`` gives an
``access_token`` (valid about a day) and a ``refresh_token``; each request carries
``Authorization: Bearer <access_token>``. A token refused on the way (401, 403: it
expired) is renewed once, with the refresh token, else with the password, and the
request tried again. Tokens live in memory only; nothing of them is written anywhere.

Data come from ``<url>api/acled/read`` in pages (``page`` from 1, ``limit`` rows each,
at most 5,000), JSON: ``{"status": 200, "success": true, "count": n, "data": [...]}``.
The feed selects records by ``timestamp``, the Unix time of a record's last change, not
by event date: a correction to an old event has a new timestamp, so it is fetched again
and stored as a new version of that event (the ACLED reader takes ``timestamp`` as the
version). The cursor is the highest timestamp stored and the ids stored with it; a run
asks for records changed at or after it (``timestamp=<t-1>&timestamp_where=>``) and
drops those it already has. All pages of a run are written as one CSV in ACLED's export
layout and ingested at once: the cursor moves only when all of them are stored (pages
are in event-date order, not timestamp order, so a part of them cannot move it).

Filters (``iso``, ``country``, ``region``, ``event_date`` ...) go in ``params``.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from tocsin.monitor.common import FeedContext, extra_columns, write_csv
from tocsin.monitor.config import FeedError, Secret, join_url, read_secret
from tocsin.monitor.fetch import AuthError, FetchError

# ACLED's export layout (2023 on), the order the ACLED reader's samples have.
COLUMNS = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type",
           "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2",
           "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso", "region",
           "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
           "geo_precision", "source", "source_scale", "notes", "fatalities", "tags",
           "timestamp"]
FIRST_LOOK_BACK = dt.timedelta(days=30)


@dataclass
class Token:
    access: str
    refresh: str | None
    expires: float  # time.monotonic()


_TOKENS: dict[tuple, Token] = {}  # per process: the loop logs in once a day, not per run


def describe_cursor(cursor: dict) -> str:
    ts = cursor.get("timestamp")
    if ts is None:
        return "nothing fetched yet"
    when = dt.datetime.fromtimestamp(int(ts), dt.UTC)
    return f"records changed up to {when:%Y-%m-%d %H:%M} UTC (timestamp {ts})"


def run(ctx: FeedContext) -> None:
    feed = ctx.feed
    auth = _Auth(ctx)
    cursor = ctx.state.cursor
    if cursor.get("timestamp") is not None:
        start = int(cursor["timestamp"])
        seen = set(cursor.get("ids_at_timestamp", []))
    else:
        since = feed.since or (dt.datetime.now(dt.UTC) - FIRST_LOOK_BACK).date()
        start = int(dt.datetime.combine(since, dt.time.min, dt.UTC).timestamp())
        seen = set()
    read_url = join_url(feed.url, feed.read_path)
    ctx.clean_scratch()
    rows: dict[str, dict] = {}
    pages = 0
    for page in range(1, feed.max_pages + 1):
        ctx.check_stop()
        params = {**feed.params, "timestamp": start - 1, "timestamp_where": ">",
                  "limit": feed.page_size, "page": page, "_format": "json"}
        data = _page(ctx, auth, read_url, params)
        pages += 1
        ctx.outcome.fetched += 1
        for i, row in enumerate(data):
            key, stamp = _identity(row, page, i)
            old = rows.get(key)
            if old is None or int(old["timestamp"]) <= stamp:
                rows[key] = row
        if len(data) < feed.page_size:
            break
    else:
        raise FeedError(f"more than max_pages ({feed.max_pages}) pages of {feed.page_size} "
                        "records: narrow params or raise max_pages")
    if not rows:
        ctx.note(f"nothing new ({pages} page(s) read)")
        return
    top = max(int(r["timestamp"]) for r in rows.values())
    new = [r for k, r in rows.items() if not (int(r["timestamp"]) == start and k in seen)]
    at_top = {k for k, r in rows.items() if int(r["timestamp"]) == top}
    if top == start:
        at_top |= seen
    if not new:
        ctx.note(f"nothing new ({pages} page(s) read)")
        return
    new.sort(key=lambda r: (int(r["timestamp"]), str(r["event_id_cnty"])))
    present = [c for c in COLUMNS if any(c in r for r in new)]
    columns = present + extra_columns(new, present)
    path = ctx.scratch / f"acled_{feed.id}_timestamp_{start}_to_{top}.csv"
    write_csv(path, columns, new)
    ctx.ingest([path], source="acled")
    ctx.state.cursor = {"timestamp": top, "ids_at_timestamp": sorted(at_top)}
    ctx.save()
    ctx.note(f"{len(new)} record(s) changed since {_day(start)}, {pages} page(s)")


def _day(ts: int) -> str:
    return f"{dt.datetime.fromtimestamp(ts, dt.UTC):%Y-%m-%d %H:%M} UTC"


def _identity(row, page: int, i: int) -> tuple[str, int]:
    if not isinstance(row, dict):
        raise FeedError(f"ACLED page {page}, record {i + 1}: expected an object, got "
                        f"{type(row).__name__}")
    key = row.get("event_id_cnty")
    try:
        stamp = int(row.get("timestamp"))
    except (TypeError, ValueError):
        raise FeedError(f"ACLED page {page}, record {i + 1} ({key}): timestamp "
                        f"{row.get('timestamp')!r} is not a Unix time") from None
    if not key:
        raise FeedError(f"ACLED page {page}, record {i + 1}: no event_id_cnty")
    return str(key), stamp


def _check_page(data) -> None:
    if not isinstance(data, dict):
        raise ValueError(f"expected an object with 'data', got {type(data).__name__}")
    if data.get("success") is False or data.get("error"):
        return  # ACLED's own refusal: reported as it is, below
    if not isinstance(data.get("data"), list):
        raise ValueError("the answer has no 'data' list")


def _page(ctx: FeedContext, auth: _Auth, url: str, params: dict) -> list:
    for attempt in (1, 2):
        token = auth.token() if attempt == 1 else auth.renew()
        try:
            data = ctx.http.get_json(url, params, secret_headers={
                "Authorization": f"Bearer {token}"}, check=_check_page)
        except AuthError as exc:
            if attempt == 1:
                continue
            raise FeedError(f"ACLED refused a fresh access token ({exc}): check that the "
                            "account has API access and has accepted ACLED's terms") from None
        if data.get("success") is False or data.get("error"):
            detail = data.get("error") or data.get("messages") or data.get("message")
            raise FeedError(ctx.http.scrub(f"ACLED refused the request {params!r}: "
                                           f"{str(detail)[:300]}"))
        return data["data"]
    raise AssertionError("unreachable")


class _Auth:
    def __init__(self, ctx: FeedContext):
        feed = ctx.feed
        self.ctx = ctx
        self.url = feed.token_url or join_url(feed.url, "oauth/token")
        self.username = feed.username or read_secret(Secret(env=feed.username_env),
                                                     "ACLED username")
        self.password = read_secret(feed.password, "ACLED password")
        ctx.http.keep_secret(self.password)
        self.key = (feed.id, self.url, self.username)
        cached = _TOKENS.get(self.key)
        if cached:
            ctx.http.keep_secret(cached.access)
            ctx.http.keep_secret(cached.refresh)

    def token(self) -> str:
        cached = _TOKENS.get(self.key)
        if cached and cached.expires > time.monotonic() + 60:
            return cached.access
        return self.renew()

    def renew(self) -> str:
        cached = _TOKENS.pop(self.key, None)
        if cached and cached.refresh:
            try:
                return self._grant({"grant_type": "refresh_token",
                                    "refresh_token": cached.refresh}).access
            except FeedError:
                pass  # an expired refresh token: log in again
        return self._grant({"grant_type": "password", "username": self.username,
                            "password": self.password}).access

    def _grant(self, form: dict) -> Token:
        http, feed = self.ctx.http, self.ctx.feed
        try:
            resp = http.post_form(self.url, {**form, "client_id": feed.client_id},
                                  secret_keys=("password", "refresh_token"))
        except FetchError as exc:
            what = "renewal of the token" if form["grant_type"] == "refresh_token" else "login"
            raise FeedError(f"ACLED {what} failed: {exc}"
                            + (" (check the account's username and password)"
                               if isinstance(exc, AuthError) or exc.status == 400 else "")
                            ) from None
        try:
            data = resp.json()
            access = data["access_token"]
        except (ValueError, KeyError, TypeError):
            raise FeedError(f"ACLED login: {self.url} answered without an access_token") from None
        http.keep_secret(access)
        http.keep_secret(data.get("refresh_token"))
        expires = float(data.get("expires_in") or 3600)
        token = Token(access, data.get("refresh_token"), time.monotonic() + expires)
        _TOKENS[self.key] = token
        return token
