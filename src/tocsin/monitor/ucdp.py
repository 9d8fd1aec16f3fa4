"""UCDP GED through the UCDP API: the yearly versions and the monthly Candidate events.

``GET <url>api/gedevents/<version>?pagesize=<n>&page=<p>`` (``page`` from 0, at most
1,000 events a page), with the access token in the ``x-ucdp-access-token`` header, as
UCDP documents it. The answer is ``{"TotalCount", "TotalPages", "PreviousPageUrl",
"NextPageUrl", "Result": [events]}``; the last page has no ``NextPageUrl``. The events
have the GED columns (``date_start`` as ``2021-01-01T00:00:00``), written here as a CSV
in the GED layout the UCDP reader reads.

A version, once published, does not change, so its pages are stored as they come:
every ``pages_per_file`` pages are written as one CSV and ingested, and the cursor
records the next page (``{"versions": {"25.1": {"next_page": 120, "total_pages": 388,
"complete": false}}}``). A run that fails or is killed resumes at the first page not
stored. ``versions`` lists yearly releases (``25.1``); ``candidate`` names a series of
monthly Candidate releases (``25.0`` with ``from: 1``: ``25.0.1``, ``25.0.2``, ...): each
run fetches the next release not yet complete and stops at the first one UCDP has not
published (404). UCDP gives no version number per event: a later delivery of an event
replaces the earlier one when it differs (docs/events.md).

``NextPageUrl`` is followed only to learn that there is a next page: the request is
always built on the feed's ``url``, so the token is never sent to another host and an
internal mirror keeps its own URLs.
"""

from __future__ import annotations

from tocsin.monitor.common import FeedContext, extra_columns, write_csv
from tocsin.monitor.config import FeedError, join_url, read_secret
from tocsin.monitor.fetch import AuthError, NotFound

# The GED columns, in UCDP's order (the UCDP reader's layout).
COLUMNS = ["id", "relid", "year", "active_year", "code_status", "type_of_violence",
           "conflict_dset_id", "conflict_new_id", "conflict_name", "dyad_dset_id",
           "dyad_new_id", "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a",
           "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources",
           "source_article", "source_office", "source_date", "source_headline",
           "source_original", "where_prec", "where_coordinates", "where_description",
           "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country",
           "country_id", "region", "event_clarity", "date_prec", "date_start", "date_end",
           "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high",
           "low", "gwnoa", "gwnob"]
TOKEN_HEADER = "x-ucdp-access-token"


def describe_cursor(cursor: dict) -> str:
    parts = []
    for version, v in sorted(cursor.get("versions", {}).items(), key=lambda kv: _key(kv[0])):
        if v.get("complete"):
            parts.append(f"{version} complete ({v.get('events', 0):,} events)")
        else:
            parts.append(f"{version} at page {v.get('next_page', 0)} of "
                         f"{v.get('total_pages', '?')}")
    if "candidate_next" in cursor:
        parts.append(f"next candidate {cursor['candidate_next']}")
    return "; ".join(parts) or "nothing fetched yet"


def _key(version: str) -> tuple:
    return tuple(int(p) for p in version.split("."))


def run(ctx: FeedContext) -> None:
    feed = ctx.feed
    token = read_secret(feed.token, "UCDP token") if feed.token else None
    ctx.http.keep_secret(token)
    ctx.clean_scratch()
    versions = ctx.state.cursor.setdefault("versions", {})
    for version in feed.versions:
        ctx.check_stop()
        if not versions.get(version, {}).get("complete"):
            _version(ctx, version, token, probe=False)
    if feed.candidate is not None:
        series = feed.candidate.series
        n = feed.candidate.from_
        nxt = str(ctx.state.cursor.get("candidate_next", ""))
        if nxt.startswith(series + ".") and nxt.rsplit(".", 1)[-1].isdigit():
            n = max(n, int(nxt.rsplit(".", 1)[-1]))
        while True:
            ctx.check_stop()
            version = f"{series}.{n}"
            ctx.state.cursor["candidate_next"] = version
            if not _version(ctx, version, token, probe=True):
                ctx.note(f"candidate {version} not published yet")
                break
            n += 1
            ctx.state.cursor["candidate_next"] = f"{series}.{n}"
            ctx.save()


def _version(ctx: FeedContext, version: str, token: str | None, probe: bool) -> bool:
    """Fetch and store the pages of ``version`` not stored yet. False if UCDP has not
    published it (a candidate release to come)."""
    feed = ctx.feed
    versions = ctx.state.cursor.setdefault("versions", {})
    mark = versions.get(version, {"next_page": 0, "events": 0, "complete": False})
    if mark.get("complete"):
        return True
    url = join_url(feed.url, f"api/gedevents/{version}")
    headers = {TOKEN_HEADER: token} if token else None
    page = int(mark.get("next_page", 0))
    buffered: list[dict] = []
    first_buffered = page
    while True:
        ctx.check_stop()
        params = {**feed.params, "pagesize": feed.page_size, "page": page}
        try:
            data = ctx.http.get_json(url, params, secret_headers=headers, check=_check_page)
        except NotFound:
            if probe and page == 0 and not mark.get("total_pages"):
                return False
            raise
        except AuthError as exc:
            raise FeedError(f"UCDP refused the access token ({exc}): check the token "
                            f"({_where(feed)})") from None
        ctx.outcome.fetched += 1
        total_pages = int(data.get("TotalPages") or 0)
        buffered += data["Result"]
        page += 1
        last = page >= total_pages or not data.get("NextPageUrl") or not data["Result"]
        if last or page - first_buffered >= feed.pages_per_file:
            if buffered:
                name = f"ucdp_ged_{version}_pages_{first_buffered}-{page - 1}.csv"
                path = ctx.scratch / name
                columns = COLUMNS + extra_columns(buffered, COLUMNS)
                write_csv(path, columns, buffered)
                ctx.ingest([path], source="ucdp-ged")
                path.unlink(missing_ok=True)
            mark = {"next_page": page, "total_pages": total_pages,
                    "events": mark.get("events", 0) + len(buffered), "complete": last}
            versions[version] = mark
            ctx.save()
            ctx.note(f"{version}: pages {first_buffered}-{page - 1} of {total_pages} "
                     f"({len(buffered):,} events)")
            buffered, first_buffered = [], page
        if last:
            return True


def _where(feed) -> str:
    return (f"environment variable {feed.token_env}" if feed.token_env
            else f"file {feed.token_file}" if feed.token_file else "no token configured")


def _check_page(data) -> None:
    if not isinstance(data, dict):
        raise ValueError(f"expected an object with 'Result', got {type(data).__name__}")
    if not isinstance(data.get("Result"), list):
        raise ValueError("the answer has no 'Result' list")
    if not isinstance(data.get("TotalPages"), int):
        raise ValueError("the answer has no whole number 'TotalPages'")
    for i, event in enumerate(data["Result"]):
        if not isinstance(event, dict) or event.get("id") is None:
            raise ValueError(f"event {i + 1} of the page has no 'id'")
