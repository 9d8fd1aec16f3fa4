"""The next generation of the event store, assembled beside the current one.

An ingest writes its new events once, as a segment of its own, and the next
generation hard-links every unchanged segment of the last one. A segment is
rewritten only when a newer version replaces some of its events (``versions``),
and small segments are merged once there are many (GDELT publishes every 15
minutes). Writing a 10-million-row file therefore costs one pass over it, not a
rewrite of the whole store. Nothing here is visible to anyone until ``commit``,
which hands the directory to ``tocsin.generations`` (fsync, switch of CURRENT).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tocsin.events import schema
from tocsin.events.sqlparts import q
from tocsin.events.store import batches_ddl, segments_of
from tocsin.generations import GenerationStore

MERGE_WHEN_OVER = 32  # segments in a generation before the small ones are merged
SMALL_SEGMENT = 256 * 2**20  # bytes: segments below this are merged
PARQUET = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880"


class NextGeneration:
    """`segments` is the working set: the current generation's segments, minus those
    rewritten, plus the new ones, which are written straight into the build
    directory. The manifest is the DuckDB table `batches` of `con`, starting as the
    current generation's."""

    def __init__(self, con, store: GenerationStore):
        self.con = con
        self.store = store
        self.current = store.current()
        self.segments: list[Path] = segments_of(self.current) if self.current else []
        self.dir = store.build()
        (self.dir / "events").mkdir()
        self._n = 0
        con.execute(batches_ddl())
        if self.current is not None:
            con.execute(f"INSERT INTO batches SELECT * FROM "
                        f"read_parquet({q(str(self.current / 'batches.parquet'))})")

    def new_segment(self, stem: str) -> Path:
        self._n += 1
        return self.dir / "events" / f"{stem}-{self._n}.parquet"

    def write(self, select_sql: str, stem: str) -> tuple[Path | None, int]:
        """COPY a query's rows into a new segment; no file for no rows."""
        seg = self.new_segment(stem)
        n = self.con.execute(f"COPY ({select_sql}) TO {q(str(seg))} ({PARQUET})").fetchone()[0]
        if n == 0:
            seg.unlink(missing_ok=True)
            return None, 0
        return seg, n

    def replace(self, old: Path, new: Path | None) -> None:
        i = self.segments.index(old)
        if new is None:
            del self.segments[i]
        else:
            self.segments[i] = new
        if old.parent == self.dir / "events":
            old.unlink(missing_ok=True)

    def commit(self, gen: str) -> Path:
        """Merge and link the segments, write the manifest, then commit the generation
        `gen` (named by its newest batch id)."""
        if self.current is not None and gen <= self.current.name:  # the clock went back
            gen = f"{self.current.name}.{gen}"  # generation names must sort in commit order
        self._merge_small(gen)
        events = self.dir / "events"
        if not self.segments:  # readers need one file to learn the columns from
            seg = self.new_segment(gen)
            self.con.execute(f"COPY ({schema_sql()}) TO {q(str(seg))} ({PARQUET})")
            self.segments.append(seg)
        for seg in self.segments:
            if seg.parent != events:
                _link(seg, events / _linked_name(seg))
        self.con.execute(f"COPY (SELECT * FROM batches ORDER BY batch_id) TO "
                         f"{q(str(self.dir / 'batches.parquet'))} (FORMAT parquet)")
        return self.store.commit(self.dir, gen)

    def abandon(self) -> None:
        self.store.abandon(self.dir)

    def _merge_small(self, gen: str) -> None:
        if len(self.segments) <= MERGE_WHEN_OVER:
            return
        small = [s for s in self.segments if s.stat().st_size < SMALL_SEGMENT]
        if len(small) < 2:
            return
        merged, _ = self.write(f"SELECT * FROM read_parquet({parquet_list(small)})",
                               f"{gen}-merged")
        for s in small:
            self.replace(s, None)
        if merged is not None:
            self.segments.append(merged)


def schema_sql() -> str:
    """A query with the event columns and types and no rows."""
    cols = ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, t, _ in schema.COLUMNS)
    return f"SELECT {cols} LIMIT 0"


def parquet_list(paths: list[Path]) -> str:
    """A DuckDB list literal of file names, for read_parquet."""
    return "[" + ", ".join(q(str(p)) for p in paths) + "]"


def _linked_name(seg: Path) -> str:
    # Segment names are unique across generations, except a legacy snapshot's one file.
    return f"legacy-{seg.parent.name}.parquet" if seg.name == "events.parquet" else seg.name


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a file system without hard links: copy
        shutil.copy2(src, dst)
