"""Each feed's cursor and status, kept in the home::

    <home>/monitor/feeds/<id>.json    cursor (what the store holds of the feed) and status
    <home>/monitor/runner.json        the last pass: when, by whom, the warning pipeline
    <home>/monitor/monitor.lock       held (flock) by the one monitor of this home
    <home>/monitor/tmp/<id>/          downloads in progress (removed at each run)

A cursor is written only after the ingest that stored what it points past has
committed (``tocsin.events.ingest``: all files of a call or none), each time with
``tocsin.atomic.write_atomic``: a kill at any moment leaves the old file or the new one,
never half of one. A cursor behind the store (a kill between the commit and the write)
costs one download again: the ingest then finds the same bytes "already ingested".
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from tocsin.atomic import write_atomic
from tocsin.monitor.config import FeedError


def monitor_dir(home: Path) -> Path:
    return Path(home) / "monitor"


def state_path(home: Path, feed_id: str) -> Path:
    return monitor_dir(home) / "feeds" / f"{feed_id}.json"


def runner_path(home: Path) -> Path:
    return monitor_dir(home) / "runner.json"


def staging_dir(home: Path, feed_id: str) -> Path:
    return monitor_dir(home) / "tmp" / feed_id


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class FeedState:
    id: str
    kind: str = ""
    cursor: dict = field(default_factory=dict)
    last_run_at: str | None = None
    last_success_at: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    consecutive_failures: int = 0
    failures_total: int = 0
    alerted_at: str | None = None  # administrators were told of the current failures
    files_ingested: int = 0  # files (batches) stored, over the feed's life
    events_ingested: int = 0  # rows stored (new or replaced), over the feed's life
    last_files: int = 0  # ... in its last run
    last_events: int = 0
    last_note: str = ""  # what its last run did, in words
    next_run_at: str | None = None

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0

    def as_dict(self) -> dict:
        return asdict(self)


def load(home: Path, feed_id: str) -> FeedState:
    """The feed's state; a fresh one if the feed never ran."""
    path = state_path(home, feed_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return FeedState(id=feed_id)
    except (OSError, ValueError) as exc:
        raise FeedError(f"{path}: cannot be read ({exc}); move it away to start the feed "
                        "over (its next run fetches from the configured start)") from None
    known = {f.name for f in fields(FeedState)}
    return FeedState(**{k: v for k, v in data.items() if k in known})


def save(home: Path, state: FeedState) -> None:
    path = state_path(home, state.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(state.as_dict(), indent=2, sort_keys=True) + "\n")


def known_feeds(home: Path) -> list[str]:
    d = monitor_dir(home) / "feeds"
    return sorted(p.stem for p in d.glob("*.json")) if d.is_dir() else []


def load_runner(home: Path) -> dict:
    try:
        return json.loads(runner_path(home).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def save_runner(home: Path, data: dict) -> None:
    path = runner_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
