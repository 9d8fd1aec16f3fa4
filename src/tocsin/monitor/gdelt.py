"""GDELT 2.0 events: the 15-minute exports, as GDELT publishes them.

GDELT writes, every 15 minutes, ``lastupdate.txt``: one line per file of the newest
interval, ``<size in bytes> <MD5> <URL>``, the events export among them
(``YYYYMMDDHHMMSS.export.CSV.zip``, beside the mentions and GKG files this feed does
not read). ``masterfilelist.txt`` has the same lines for every interval since 2015,
oldest first. A run:

1. reads ``lastupdate.txt``; if its export is the cursor's interval, nothing is new;
2. if it is the very next interval, that is all there is to fetch; otherwise (missed
   runs, an outage) the intervals after the cursor come from the master list, oldest
   first, at most ``catch_up`` of them (the rest are left for the next runs). Only the
   end of the master list is read (an HTTP range), growing until it reaches back to the
   cursor; a server that does not do ranges sends the whole list;
3. downloads each export to a temporary file, checks its size and MD5 against the list,
   and only then renames it for the ingest;
4. ingests the verified files in order, as one atomic ingest (one by one if one of them
   is refused, so those before it are stored), and moves the cursor to the last stored.

A download that fails (after the retries) stops the run there: what came before it is
stored and the cursor points at it; the failed interval is the first of the next run.
Files are fetched from the feed's ``url`` by their name, whatever host the list names,
so an internal mirror that copies the lists verbatim still serves its own files.
On the first run the feed starts at ``since`` if given, else at the latest interval.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from tocsin.monitor.common import FeedContext
from tocsin.monitor.config import FeedError, join_url
from tocsin.monitor.fetch import FetchError, TooLarge

EXPORT = re.compile(r"(?:^|/)(\d{14})\.export\.CSV\.zip$", re.IGNORECASE)
STEP = dt.timedelta(minutes=15)
LINE_BYTES = 160  # a generous length of one list line
MAX_TAIL = 64 * 2**20


@dataclass(frozen=True)
class Entry:
    stamp: str  # YYYYMMDDHHMMSS, UTC
    size: int
    md5: str
    url: str

    @property
    def name(self) -> str:
        return f"{self.stamp}.export.CSV.zip"


def parse_line(line: str) -> Entry | None | bool:
    """The export entry of a list line; None for another file's line; False if the line
    is not ``size md5 url``."""
    parts = line.split()
    if not parts:
        return None
    if len(parts) != 3 or not parts[0].isdigit() or not re.fullmatch(r"[0-9a-fA-F]{32}",
                                                                    parts[1]):
        return False
    m = EXPORT.search(parts[2])
    if not m:
        return None
    return Entry(m.group(1), int(parts[0]), parts[1].lower(), parts[2])


def stamp_time(stamp: str) -> dt.datetime:
    return dt.datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)


def time_stamp(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def describe_cursor(cursor: dict) -> str:
    last = cursor.get("last")
    if not last:
        return "nothing fetched yet"
    return f"last interval {stamp_time(last):%Y-%m-%d %H:%M} UTC"


def run(ctx: FeedContext) -> None:
    feed, http = ctx.feed, ctx.http
    ctx.clean_scratch()
    ctx.scratch.mkdir(parents=True, exist_ok=True)
    latest = _latest(ctx)
    last = ctx.state.cursor.get("last")
    if last and latest.stamp <= last:
        ctx.note(f"nothing new (latest interval {_shown(latest.stamp)})")
        return
    if last is None and feed.since is None:
        todo = [latest]
    elif last is not None and time_stamp(stamp_time(last) + STEP) == latest.stamp:
        todo = [latest]
    else:
        after = last or time_stamp((feed.since if feed.since.tzinfo else
                                    feed.since.replace(tzinfo=dt.UTC)) - dt.timedelta(seconds=1))
        todo = _from_master(ctx, after, latest)
    if len(todo) > feed.catch_up:
        ctx.note(f"{len(todo) - feed.catch_up} interval(s) left for the next runs "
                 f"(catch_up: {feed.catch_up})")
        todo = todo[: feed.catch_up]
    fetched: list[tuple[Path, str]] = []
    failure: Exception | None = None
    for entry in todo:
        ctx.check_stop()
        try:
            path = http.download(join_url(feed.url, entry.name), ctx.scratch / entry.name,
                                 entry.size, entry.md5, max_bytes=int(feed.max_file_mb * 2**20))
        except FetchError as exc:
            failure = exc
            break
        ctx.outcome.fetched += 1
        fetched.append((path, entry.stamp))

    def advance(stamp: str) -> None:
        ctx.state.cursor = {"last": stamp}
        ctx.save()

    ctx.ingest_in_order(fetched, advance)
    if fetched:
        ctx.note(f"{len(fetched)} interval(s) {_shown(fetched[0][1])}"
                 + (f" to {_shown(fetched[-1][1])}" if len(fetched) > 1 else ""))
    if failure is not None:
        raise FeedError(f"stopped at interval {_shown(todo[len(fetched)].stamp)}: {failure}")


def _shown(stamp: str) -> str:
    return f"{stamp_time(stamp):%Y-%m-%d %H:%M}"


def _latest(ctx: FeedContext) -> Entry:
    url = join_url(ctx.feed.url, ctx.feed.lastupdate)
    text = ctx.http.get(url, max_bytes=1 * 2**20).body.decode("utf-8", "replace")
    found = None
    for n, line in enumerate(text.splitlines(), start=1):
        entry = parse_line(line)
        if entry is False:
            raise FeedError(f"{url}:{n}: expected '<size> <md5> <url>', not {line[:120]!r}")
        if entry:
            found = entry
    if found is None:
        raise FeedError(f"{url}: no events export (….export.CSV.zip) in the list")
    return found


def _from_master(ctx: FeedContext, after: str, latest: Entry) -> list[Entry]:
    """The export entries after ``after`` up to ``latest``, oldest first, from the end of
    the master list (or all of it)."""
    url = join_url(ctx.feed.url, ctx.feed.masterlist)
    span = max(0.0, (stamp_time(latest.stamp) - stamp_time(after)) / STEP)
    tail = max(64 * 1024, int(span + 8) * 3 * LINE_BYTES)  # enough to reach back to after
    entries = None
    while tail <= MAX_TAIL:
        try:
            resp = ctx.http.get(url, headers={"Range": f"bytes=-{tail}"}, max_bytes=4 * tail)
        except TooLarge:  # no ranges here: the whole list came back
            break
        lines = resp.body.decode("utf-8", "replace").splitlines()
        whole = resp.status != 206 or _starts_at_zero(resp.headers)
        if not whole:
            lines = lines[1:]  # the first line of a range may be cut
        entries = _entries(lines)
        if whole or (entries and entries[0].stamp <= after):
            break
        entries = None
        tail *= 4
    if entries is None:  # the tail never reached back far enough: read the whole list
        path = ctx.http.download(url, ctx.scratch / "masterfilelist.txt", max_bytes=4 * 2**30)
        with open(path, encoding="utf-8", errors="replace") as f:
            entries = _entries(f)
    todo = {e.stamp: e for e in entries if after < e.stamp <= latest.stamp}
    if latest.stamp > after:
        todo.setdefault(latest.stamp, latest)  # the master list may lag lastupdate.txt
    return [todo[s] for s in sorted(todo)]


def _entries(lines) -> list[Entry]:
    out = []
    for line in lines:
        entry = parse_line(line)
        if entry:  # the master list has a few damaged lines: they name no export we use
            out.append(entry)
    out.sort(key=lambda e: e.stamp)
    return out


def _starts_at_zero(headers: dict) -> bool:
    rng = next((v for k, v in headers.items() if k.lower() == "content-range"), "")
    m = re.match(r"bytes\s+(\d+)-", rng)
    return bool(m) and int(m.group(1)) == 0
