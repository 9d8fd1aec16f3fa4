"""The analytical event store under the home directory.

    <home>/events/write.lock                 held (flock) by the one process writing
    <home>/events/snapshot/CURRENT           names the current generation
    <home>/events/snapshot/<gen>/events/     the events, as Parquet segment files
    <home>/events/snapshot/<gen>/batches.parquet   the manifest: one row per ingest
    <home>/events/quarantine/                rejected rows of --on-error quarantine ingests
    <home>/events/tmp/                       unzipped members and DuckDB spill, per ingest

The store of record is the generation CURRENT names. A generation is immutable;
an ingest builds the next one beside it and switching CURRENT (os.replace) is
the commit. So a crash or kill at any earlier point leaves the store exactly as
it was, and readers (stats, export, the site, warning signals) never wait: they
read whichever whole generation CURRENT named when they looked. Writers take an
exclusive file lock and queue behind each other.

Why segments: an ingest writes its new events once, as a segment of its own,
and the next generation hard-links every unchanged segment of the last one. A
segment is rewritten only when a newer version replaces some of its events, and
small segments are merged once there are many (GDELT publishes every 15
minutes). Writing a 10-million-row file therefore costs one pass over it, not a
rewrite of the whole store.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tocsin.errors import InputError, Problem
from tocsin.events import schema
from tocsin.events.sqlparts import q

BATCH_COLUMNS = [
    ("batch_id", "VARCHAR"), ("file", "VARCHAR"), ("sha256", "VARCHAR"),
    ("size_bytes", "BIGINT"), ("source", "VARCHAR"), ("layout", "VARCHAR"),
    ("encoding", "VARCHAR"), ("compression", "VARCHAR"), ("on_error", "VARCHAR"),
    ("rows_read", "BIGINT"), ("rows_stored", "BIGINT"), ("rows_new", "BIGINT"),
    ("rows_replaced", "BIGINT"), ("rows_unchanged", "BIGINT"), ("rows_duplicate", "BIGINT"),
    ("rows_rejected", "BIGINT"), ("quarantine_file", "VARCHAR"),
    ("started_at", "TIMESTAMP"), ("finished_at", "TIMESTAMP"), ("seconds", "DOUBLE"),
    ("tocsin_version", "VARCHAR"),
]
MAX_REPORTED = 20
PAUSE_ENV = "TOCSIN_EVENTS_PAUSE_BEFORE_COMMIT"  # tests: hold the transaction open here
MEMORY_ENV = "TOCSIN_EVENTS_MEMORY_LIMIT"


@dataclass
class BatchResult:
    file: str
    status: str  # "stored" | "already-ingested"
    batch_id: str | None = None
    source: str = ""
    layout: str = ""
    description: str = ""
    encoding: str = ""
    rows_read: int = 0
    rows_stored: int = 0
    rows_new: int = 0
    rows_replaced: int = 0
    rows_unchanged: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    quarantine_file: str | None = None
    seconds: float = 0.0
    sha256: str = ""
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def events_dir(home: Path) -> Path:
    return Path(home) / "events"


def new_batch_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]


@contextlib.contextmanager
def write_lock(home: Path, echo: Callable[[str], None] = lambda s: None):
    d = events_dir(home)
    d.mkdir(parents=True, exist_ok=True)
    with open(d / "write.lock", "a+") as fd:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            echo("another ingest is writing to this store; waiting for it to finish ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


MERGE_WHEN_OVER = 32  # segments in a generation before the small ones are merged
SMALL_SEGMENT = 256 * 2**20  # bytes: segments below this are merged
PARQUET = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880"
ROW_FAILED = "tocsin: row failed a check"  # error() text of the fast path


def _connect_writer(home: Path):
    """An in-memory DuckDB for the work of one ingest; the store itself is files."""
    import duckdb

    d = events_dir(home)
    (d / "tmp").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    # Bounded memory whatever the file size: DuckDB spills to tmp/ beyond this.
    con.execute(f"SET memory_limit = '{os.environ.get(MEMORY_ENV, '1GB')}'")
    con.execute(f"SET temp_directory = '{d / 'tmp' / 'spill'}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def _prepare_lookups(con) -> None:
    from tocsin.events import countries, sqlparts, taxonomy

    sqlparts.register(con)
    countries.register(con)
    taxonomy.register(con)


class Generation:
    """The next generation of the store, assembled beside the current one.

    `segments` is the working set: the current generation's segments, minus
    those rewritten, plus the new ones, which are written straight into the
    build directory. Nothing here is visible to anyone until `commit`.
    """

    def __init__(self, con, home: Path):
        self.con = con
        self.snap = events_dir(home) / "snapshot"
        self.current = _current(home)
        self.segments: list[Path] = segments_of(self.current) if self.current else []
        self.dir = self.snap / f".build-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        (self.dir / "events").mkdir(parents=True)
        self._n = 0
        cols = ", ".join(f"{n} {t}" for n, t in BATCH_COLUMNS)
        con.execute(f"CREATE TABLE batches ({cols})")
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
        """Link, merge and fsync the segments, then switch CURRENT: the commit point."""
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
        for f in events.iterdir():
            _fsync(f)
        _fsync(self.dir / "batches.parquet")
        _fsync(events)
        _fsync(self.dir)
        _pause_for_tests()
        target = self.snap / gen
        os.replace(self.dir, target)
        pointer = self.snap / f".CURRENT.{os.getpid()}"
        pointer.write_text(gen)
        _fsync(pointer)
        os.replace(pointer, self.snap / "CURRENT")
        _fsync(self.snap)
        _prune(self.snap, gen)
        return target

    def abandon(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _merge_small(self, gen: str) -> None:
        if len(self.segments) <= MERGE_WHEN_OVER:
            return
        small = [s for s in self.segments if s.stat().st_size < SMALL_SEGMENT]
        if len(small) < 2:
            return
        merged, _ = self.write(f"SELECT * FROM read_parquet({_list(small)})", f"{gen}-merged")
        for s in small:
            self.replace(s, None)
        if merged is not None:
            self.segments.append(merged)


def schema_sql() -> str:
    """A query with the event columns and types and no rows."""
    cols = ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, t, _ in schema.COLUMNS)
    return f"SELECT {cols} LIMIT 0"


def _linked_name(seg: Path) -> str:
    # Segment names are unique across generations, except a legacy snapshot's one file.
    return f"legacy-{seg.parent.name}.parquet" if seg.name == "events.parquet" else seg.name


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # a file system without hard links: copy
        shutil.copy2(src, dst)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(snap: Path, gen: str) -> None:
    """Keep the new generation and the two before it: a reader may have just
    resolved CURRENT to one of those. Shared segments survive through their links."""
    gens = sorted(p.name for p in snap.iterdir() if p.is_dir() and not p.name.startswith("."))
    keep = {g for g in gens if g <= gen}
    keep = set(sorted(keep)[-3:]) | {gen}
    for name in gens:
        if name not in keep:
            shutil.rmtree(snap / name, ignore_errors=True)


def _clean_scratch(home: Path) -> None:
    """Remove what writers killed mid-ingest left behind; only a lock holder calls this."""
    d = events_dir(home)
    snap = d / "snapshot"
    current = _current(home)
    if snap.exists():
        for p in snap.iterdir():
            # A generation newer than CURRENT was renamed into place by a writer that
            # died before the switch: nobody has ever read it.
            newer = (current is not None and p.is_dir() and not p.name.startswith(".")
                     and p.name > current.name)
            if p.name.startswith((".build-", ".CURRENT.")) or newer:
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
    tmp = d / "tmp"
    if tmp.exists():
        for p in tmp.iterdir():
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def ingest(home: Path, paths: list[Path], source: str = "auto", mapping: Path | None = None,
           on_error: str = "fail", echo: Callable[[str], None] = print) -> list[BatchResult]:
    """Ingest `paths` as one atomic operation: all files are stored, or none."""
    from tocsin import __version__
    from tocsin.events.detect import Format, detect
    from tocsin.events.files import open_input, sha256

    if on_error not in ("fail", "quarantine"):
        raise InputError.single("--on-error", "must be fail or quarantine")
    home = Path(home)
    d = events_dir(home)
    results: list[BatchResult] = []
    written: list[Path] = []
    with write_lock(home, echo):
        _clean_scratch(home)
        con = _connect_writer(home)
        hasher = ThreadPoolExecutor(max_workers=1)
        gen = None
        try:
            gen = Generation(con, home)
            _prepare_lookups(con)
            seen: dict[str, str] = {
                h: b for h, b in con.execute("SELECT sha256, batch_id FROM batches").fetchall()}
            sizes = {n for (n,) in con.execute("SELECT size_bytes FROM batches").fetchall()}
            for path in paths:
                started = time.perf_counter()
                started_at = datetime.now(UTC).replace(tzinfo=None)
                batch_id = new_batch_id()
                info = open_input(path, d / "tmp" / batch_id, hash_file=False)
                # A file of a size already stored may be a re-delivery: hash it first and
                # skip the work if it is. Any other file is new: hash it while it is read.
                if info.size in sizes:
                    info.sha256 = sha256(Path(path))
                else:  # hashlib releases the GIL: the hash runs while DuckDB reads the file
                    digest = hasher.submit(sha256, Path(path))
                if source == "auto":
                    fmt = detect(info)
                elif source == "mapped":
                    fmt = Format("mapped", "mapping", f"CSV read through mapping {mapping}")
                else:
                    fmt = _explicit(info, source)
                if info.sha256 in seen:
                    results.append(BatchResult(str(path), "already-ingested", seen[info.sha256],
                                               sha256=info.sha256))
                    continue
                result = BatchResult(str(path), "stored", batch_id, fmt.source, fmt.layout,
                                     fmt.description)
                if fmt.source == "mapped":
                    from tocsin.events.readers.mapped import load_mapping

                    result.source = load_mapping(mapping)["source"]
                _ingest_one(con, gen, info, fmt, batch_id, result, on_error, mapping, d, written)
                # Not a known file: same bytes would have had a known size, hashed above.
                info.sha256 = result.sha256 = info.sha256 or digest.result()
                result.encoding = info.encoding
                result.seconds = round(time.perf_counter() - started, 3)
                values = dict(
                    batch_id=batch_id, file=str(path), sha256=info.sha256, size_bytes=info.size,
                    source=result.source,
                    layout=fmt.layout, encoding=info.encoding, compression=info.compression,
                    on_error=on_error, rows_read=result.rows_read,
                    rows_stored=result.rows_stored, rows_new=result.rows_new,
                    rows_replaced=result.rows_replaced, rows_unchanged=result.rows_unchanged,
                    rows_duplicate=result.rows_duplicate, rows_rejected=result.rows_rejected,
                    quarantine_file=result.quarantine_file, started_at=started_at,
                    finished_at=datetime.now(UTC).replace(tzinfo=None), seconds=result.seconds,
                    tocsin_version=__version__)
                names = [n for n, _ in BATCH_COLUMNS]
                con.execute(f"INSERT INTO batches ({', '.join(names)}) VALUES "
                            f"({', '.join('?' for _ in names)})", [values[n] for n in names])
                seen[info.sha256] = batch_id
                sizes.add(info.size)
                shutil.rmtree(d / "tmp" / batch_id, ignore_errors=True)
                results.append(result)
            stored = [r.batch_id for r in results if r.status == "stored"]
            if stored:
                gen.commit(max(stored))
            else:
                gen.abandon()
        except BaseException:
            if gen is not None:
                gen.abandon()
            for f in written:  # quarantine files of a batch that was not stored
                f.unlink(missing_ok=True)
            raise
        finally:
            hasher.shutdown(wait=False, cancel_futures=True)
            con.close()
            for p in (d / "tmp").glob("*"):
                if p.is_dir() and p.name != "spill":
                    shutil.rmtree(p, ignore_errors=True)
    return results


def _explicit(info, source: str):
    """A format for an explicit --source, refusing files that are plainly something else."""
    from tocsin.events.detect import detect

    try:
        found = detect(info)
    except InputError:
        found = None
    if found and found.source == source:
        return found
    if found and found.source != source:
        raise info.error(f"--source {source} was given but this looks like {found.description}; "
                         f"use --source {found.source} or --source auto")
    raise info.error(f"is not a {source} file: its first line does not match the {source} "
                     "layout (see docs/events.md)", 1)


def _ingest_one(con, gen, info, fmt, batch_id, result, on_error, mapping, d, written) -> None:
    from tocsin.events.readers import gdelt, reader_for

    stage = reader_for(fmt.source)
    if fmt.source.startswith("gdelt") and fmt.layout == "raw":
        try:
            if _fast_path(con, gen, info, fmt, batch_id, result):
                return
        except InputError:
            raise
        except Exception as exc:  # DuckDB parse errors on damaged files
            raise info.error(f"cannot be read as {fmt.description}: {_short(exc)}") from exc
    try:
        rows = stage(con, info, fmt, batch_id, "staged", mapping=mapping)
    except InputError:
        raise
    except Exception as exc:  # DuckDB parse errors on damaged files
        raise info.error(f"cannot be read as {fmt.description}: {_short(exc)}") from exc
    result.rows_read = rows
    bad = con.execute("SELECT count(*) FROM staged WHERE _problem IS NOT NULL").fetchone()[0]
    dup_ids = con.execute("SELECT count(*) FROM (SELECT uid FROM staged WHERE _problem IS NULL "
                          "GROUP BY uid HAVING count(*) > 1)").fetchone()[0]
    rejects = gdelt.rejected_lines(con) if fmt.source.startswith("gdelt") else []
    if bad or dup_ids or rejects:
        if fmt.source.startswith("gdelt") and fmt.layout == "raw":
            stage(con, info, fmt, batch_id, "staged", with_lines=True)  # now with line numbers
            _shift_lines(con, [r[0] for r in rejects])
        if dup_ids:
            con.execute("""
                UPDATE staged SET _problem = 'duplicate id ' || quote_text(d.source_id) ||
                       ' (first on line ' || d.first_line || ')'
                FROM (SELECT _line, source_id, rn, first_line FROM (
                        SELECT _line, source_id,
                               row_number() OVER (PARTITION BY uid ORDER BY _line) AS rn,
                               min(_line) OVER (PARTITION BY uid) AS first_line
                        FROM staged WHERE _problem IS NULL)
                      WHERE rn > 1) d
                WHERE staged._line = d._line""")
        result.rows_duplicate = con.execute(
            "SELECT count(*) FROM staged WHERE _problem LIKE 'duplicate id %'").fetchone()[0]
        result.rows_rejected = bad + len(rejects)
        if on_error == "fail":
            problems = [Problem(str(info.path), msg, line) for line, msg in con.execute(
                f"SELECT _line, _problem FROM staged WHERE _problem IS NOT NULL "
                f"ORDER BY _line LIMIT {MAX_REPORTED}").fetchall()]
            problems += [Problem(str(info.path), f"cannot be split into fields: {m}", line)
                         for line, m in rejects[:MAX_REPORTED]]
            problems.sort(key=lambda p: p.line or 0)
            total = bad + len(rejects) + result.rows_duplicate
            shown = min(total, MAX_REPORTED)
            problems = problems[:MAX_REPORTED]
            problems.append(Problem(str(info.path), (
                f"{total} of {rows} rows have problems (first {shown} shown); nothing was "
                "stored. Fix the file, or use --on-error quarantine to store the good rows "
                "and set the bad ones aside")))
            raise InputError(problems)
        qdir = d / "quarantine"
        qdir.mkdir(parents=True, exist_ok=True)
        qfile = qdir / f"{batch_id}.csv"
        written.append(qfile)
        cols = ", ".join(n for n in schema.NAMES if n != "batch_id")
        con.execute(
            f"COPY (SELECT {q(str(info.path))} AS file, _line AS line, _problem AS reason, "
            f"{cols} FROM staged WHERE _problem IS NOT NULL "
            + "".join(f" UNION ALL SELECT {q(str(info.path))}, {int(line)}, "
                      f"{q('cannot be split into fields: ' + m)}, "
                      + ", ".join("NULL" for _ in schema.NAMES[:-1]) for line, m in rejects)
            + f" ORDER BY line) TO '{qfile}' (HEADER, DELIMITER ',')")
        result.quarantine_file = str(qfile)
    names = ", ".join(schema.NAMES)
    seg, n_good = gen.write(f"SELECT {names} FROM staged WHERE _problem IS NULL", batch_id)
    con.execute("DROP TABLE IF EXISTS staged")
    _resolve(con, gen, result, seg, n_good)


def _fast_path(con, gen, info, fmt, batch_id, result) -> bool:
    """Raw GDELT files (often tens of millions of rows): one pass from the file into
    a segment, no staging copy.

    The first row failing a check stops the pass (DuckDB's error()); so does a
    line DuckDB cannot split, or an id that repeats. Then the segment is deleted
    and False sends the caller down the slow path, which names lines and can
    quarantine.
    """
    import duckdb

    from tocsin.events.readers import gdelt

    rel = gdelt.relation_sql(con, info, fmt, batch_id)
    cols = ", ".join(schema.NAMES)
    try:
        seg, total = gen.write(f"SELECT {cols} FROM ({rel}) WHERE CASE WHEN _ok THEN true "
                               f"ELSE error({q(ROW_FAILED)}) END", batch_id)
    except duckdb.Error as exc:
        for f in (gen.dir / "events").glob(f"{batch_id}-*.parquet"):
            f.unlink()
        if ROW_FAILED in str(exc):
            return False
        raise
    # GLOBALEVENTIDs are checked to be numbers: counting distinct integers is cheap.
    dups = 0 if seg is None else con.execute(
        f"SELECT count(*) - count(DISTINCT CAST(source_id AS BIGINT)) "
        f"FROM read_parquet({q(str(seg))})").fetchone()[0]
    if dups or gdelt.rejected_lines(con):
        if seg is not None:
            seg.unlink()
        return False
    result.rows_read = total
    _resolve(con, gen, result, seg, total)
    return True


def _list(paths: list[Path]) -> str:
    return "[" + ", ".join(q(str(p)) for p in paths) + "]"


def _shift_lines(con, reject_lines: list[int]) -> None:
    """Row numbers count parsed rows only; add back the lines DuckDB could not split."""
    for line in sorted(reject_lines):
        con.execute("UPDATE staged SET _line = _line + 1 WHERE _line >= ?", [line])


def _resolve(con, gen: Generation, result: BatchResult, seg: Path | None, n_good: int) -> None:
    """Settle the new segment's uids that are already stored, then add it.

    A higher source_version wins; a lower one is stale and dropped. With equal
    or missing versions the newer delivery wins if its content differs; identical
    rows keep the stored copy, so re-delivery stores nothing. The losers are
    removed by rewriting the segments that hold them.
    """
    result.rows_new = result.rows_stored = n_good
    if seg is None:
        return
    if not gen.segments:
        gen.segments.append(seg)
        return
    differs = " OR ".join(f"g.{c} IS DISTINCT FROM e.{c}" for c in schema.CONTENT)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE matched AS
        SELECT g.uid, e.filename AS segment, CASE
          WHEN g.source_version < e.source_version THEN 'older'
          WHEN g.source_version > e.source_version THEN 'replace'
          WHEN {differs} THEN 'replace'
          ELSE 'unchanged' END AS action
        FROM read_parquet({q(str(seg))}) g
        JOIN read_parquet({_list(gen.segments)}, filename = true) e ON g.uid = e.uid""")
    counts = dict(con.execute("SELECT action, count(*) FROM matched GROUP BY action").fetchall())
    replaced = [Path(p) for (p,) in con.execute(
        "SELECT DISTINCT segment FROM matched WHERE action = 'replace'").fetchall()]
    for old in replaced:
        new, _ = gen.write(
            f"SELECT s.* FROM read_parquet({q(str(old))}) s ANTI JOIN "
            f"(SELECT uid FROM matched WHERE action = 'replace' AND segment = {q(str(old))}) m "
            "ON s.uid = m.uid", result.batch_id)
        gen.replace(old, new)
    if counts.get("unchanged") or counts.get("older"):
        new, _ = gen.write(
            f"SELECT s.* FROM read_parquet({q(str(seg))}) s ANTI JOIN "
            "(SELECT uid FROM matched WHERE action <> 'replace') m ON s.uid = m.uid",
            result.batch_id)
        seg.unlink()
        seg = new
    if seg is not None:
        gen.segments.append(seg)
    con.execute("DROP TABLE matched")
    result.rows_replaced = counts.get("replace", 0)
    result.rows_unchanged = counts.get("unchanged", 0) + counts.get("older", 0)
    result.rows_new = n_good - sum(counts.values())
    result.rows_stored = result.rows_new + result.rows_replaced
    if counts.get("older"):
        result.notes.append(f"{counts['older']} rows are older versions of stored events "
                            "and were not stored")


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _pause_for_tests() -> None:
    flag = os.environ.get(PAUSE_ENV)
    if not flag:
        return
    Path(flag).write_text(str(os.getpid()))
    deadline = time.time() + 120
    while Path(flag).exists() and time.time() < deadline:
        time.sleep(0.05)


# --- readers -------------------------------------------------------------------------------

def _current(home: Path) -> Path | None:
    pointer = events_dir(Path(home)) / "snapshot" / "CURRENT"
    if not pointer.exists():
        return None
    return pointer.parent / pointer.read_text().strip()


def segments_of(generation: Path) -> list[Path]:
    legacy = generation / "events.parquet"  # Tocsin 0.1 wrote one file per snapshot
    if legacy.exists():
        return [legacy]
    return sorted((generation / "events").glob("*.parquet"))


def snapshot_paths(home: Path) -> dict[str, Path] | None:
    """The current generation's files, or None if nothing was ever ingested.

    `events` is a glob over the segment files, which DuckDB, Ibis and Spark all
    read as one table; `generation` names the directory, which changes with
    every commit (a cache key).
    """
    current = _current(Path(home))
    if current is None or not current.exists():
        return None
    legacy = current / "events.parquet"
    events = legacy if legacy.exists() else current / "events" / "*.parquet"
    return {"events": events, "batches": current / "batches.parquet", "generation": current}


def connect_reader(home: Path):
    """An in-memory DuckDB connection with views `events` and `batches` over the
    current generation. Never waits for a writer."""
    import duckdb

    con = duckdb.connect()
    paths = snapshot_paths(home)
    if paths is None:
        con.execute(schema.ddl("events"))
        cols = ", ".join(f"{n} {t}" for n, t in BATCH_COLUMNS)
        con.execute(f"CREATE TABLE batches ({cols})")
    else:
        for name in ("events", "batches"):
            source = q(str(paths[name]))
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({source})")
    return con


def manifest(home: Path) -> list[dict]:
    con = connect_reader(home)
    try:
        cur = con.execute("SELECT * FROM batches ORDER BY batch_id")
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def to_json(obj) -> str:
    return json.dumps(obj, indent=2, default=str, sort_keys=False)
