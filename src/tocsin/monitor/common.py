"""What every feed is given (``FeedContext``): its settings, its state, HTTP, a scratch
folder, and the one way to store events, which advances nothing until the ingest has
committed."""

from __future__ import annotations

import csv
import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tocsin.monitor import cursors
from tocsin.monitor.fetch import Http, Stopped

log = logging.getLogger("tocsin.monitor")


@dataclass
class Outcome:
    """What one run of a feed did (it may have stored some files and then failed)."""

    files: int = 0  # files stored (new batches)
    events: int = 0  # rows stored (new or replaced)
    already: int = 0  # files the store already held
    fetched: int = 0  # files or pages downloaded
    notes: list[str] = field(default_factory=list)
    batches: list[dict] = field(default_factory=list)

    @property
    def note(self) -> str:
        return "; ".join(self.notes) if self.notes else "nothing new"


@dataclass
class FeedContext:
    home: Path
    feed: object  # a tocsin.monitor.config feed
    state: cursors.FeedState
    http: Http
    stop: Callable[[], bool] = lambda: False
    outcome: Outcome = field(default_factory=Outcome)

    @property
    def scratch(self) -> Path:
        """The feed's download folder, emptied at the start and end of each run."""
        return cursors.staging_dir(self.home, self.state.id)

    def clean_scratch(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)

    def check_stop(self) -> None:
        if self.stop():
            raise Stopped()

    def save(self) -> None:
        cursors.save(self.home, self.state)

    def note(self, text: str) -> None:
        self.outcome.notes.append(text)

    def ingest(self, paths: list[Path], source: str = "auto", mapping: Path | None = None,
               on_error: str | None = None) -> list:
        """Store ``paths`` as one atomic ingest (all or none) and count what was stored.
        The caller moves its cursor after this returns, never before."""
        from tocsin.events.ingest import IngestOptions, ingest

        options = IngestOptions(source=source, mapping=mapping,
                                on_error=on_error or self.feed.on_error)
        results = ingest(self.home, list(paths), options, echo=lambda s: log.info("%s", s))
        for r in results:
            if r.status == "stored":
                self.outcome.files += 1
                self.outcome.events += r.rows_stored
                self.state.files_ingested += 1
                self.state.events_ingested += r.rows_stored
                self.outcome.batches.append({
                    "file": Path(r.file).name, "batch_id": r.batch_id, "source": r.source,
                    "rows_read": r.rows_read, "rows_stored": r.rows_stored,
                    "rows_new": r.rows_new, "rows_replaced": r.rows_replaced,
                    "rows_unchanged": r.rows_unchanged, "rows_rejected": r.rows_rejected,
                    "quarantine_file": r.quarantine_file})
            else:
                self.outcome.already += 1
        return results

    def ingest_in_order(self, items: list[tuple[Path, object]],
                        advance: Callable[[object], None]) -> None:
        """Store files that must be stored in order (GDELT intervals): all at once if they
        can be; if one is refused, one by one up to it, so what comes before it is stored
        and ``advance(key)`` moves the cursor exactly as far; then the refusal is raised."""
        from tocsin.errors import InputError

        if not items:
            return
        try:
            self.ingest([p for p, _ in items])
            advance(items[-1][1])
            return
        except InputError:
            if len(items) == 1:
                raise
        for path, key in items:
            self.ingest([path])
            advance(key)


def write_csv(path: Path, columns: list[str], rows: Iterable[dict]) -> int:
    """Rows (dicts of JSON values) as a CSV the readers read: ``columns`` first, in order.
    Written the same way every time, so the same rows make the same bytes (and the store
    recognises a second delivery as already ingested)."""
    n = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for row in rows:
            w.writerow([cell(row.get(c)) for c in columns])
            n += 1
    return n


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    return str(value)


def extra_columns(rows: list[dict], known: list[str]) -> list[str]:
    seen = set(known)
    out = set()
    for r in rows:
        out |= set(r) - seen
    return sorted(out)
