"""The analytical event store under the home directory.

    <home>/events/store.duckdb        the store of record: tables events, batches
    <home>/events/write.lock          held (flock) by the one process writing
    <home>/events/snapshot/CURRENT    names the published snapshot directory
    <home>/events/snapshot/<gen>/     events.parquet, batches.parquet
    <home>/events/quarantine/         rejected rows of --on-error quarantine ingests

Why this shape: DuckDB allows one writing process per database file and, while
it writes, no other process may even open the file read-only. So writers take
an exclusive file lock and queue behind each other; readers (stats, export, the
site, warning signals) never open store.duckdb: they read the last published
Parquet snapshot, which is replaced atomically (os.replace of CURRENT) after
each commit. A reader therefore always sees a whole committed state.

An ingest is one DuckDB transaction: every file of the command is staged,
checked and merged, and its manifest row written, before COMMIT. A crash or
kill before COMMIT leaves the store as it was (DuckDB drops the uncommitted
transaction on restart; flock is released by the kernel when the process dies).
If a process dies after COMMIT but before publishing, the next writer publishes.
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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tocsin.errors import InputError, Problem
from tocsin.events import schema

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


def _connect_writer(home: Path):
    import duckdb

    d = events_dir(home)
    (d / "tmp").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(d / "store.duckdb"))
    # Bounded memory whatever the file size: DuckDB spills to tmp/ beyond this.
    con.execute(f"SET memory_limit = '{os.environ.get(MEMORY_ENV, '1GB')}'")
    con.execute(f"SET temp_directory = '{d / 'tmp' / 'spill'}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute(schema.ddl("events"))
    cols = ", ".join(f"{n} {t}" for n, t in BATCH_COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS batches ({cols})")
    return con


def _prepare_lookups(con) -> None:
    from tocsin.events import countries, sqlparts, taxonomy

    sqlparts.register(con)
    countries.register(con)
    taxonomy.register(con)


def ingest(home: Path, paths: list[Path], source: str = "auto", mapping: Path | None = None,
           on_error: str = "fail", echo: Callable[[str], None] = print) -> list[BatchResult]:
    """Ingest `paths` as one atomic operation: all files are stored, or none."""
    from tocsin import __version__
    from tocsin.events.detect import Format, detect
    from tocsin.events.files import open_input

    if on_error not in ("fail", "quarantine"):
        raise InputError.single("--on-error", "must be fail or quarantine")
    home = Path(home)
    d = events_dir(home)
    results: list[BatchResult] = []
    written: list[Path] = []
    with write_lock(home, echo):
        con = _connect_writer(home)
        try:
            _publish_if_stale(con, home)
            _prepare_lookups(con)
            seen: dict[str, str] = {
                h: b for h, b in con.execute("SELECT sha256, batch_id FROM batches").fetchall()}
            con.execute("BEGIN TRANSACTION")
            for path in paths:
                started = time.perf_counter()
                started_at = datetime.now(UTC).replace(tzinfo=None)
                batch_id = new_batch_id()
                info = open_input(path, d / "tmp" / batch_id)
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
                                     fmt.description, sha256=info.sha256)
                if fmt.source == "mapped":
                    from tocsin.events.readers.mapped import load_mapping

                    result.source = load_mapping(mapping)["source"]
                _ingest_one(con, info, fmt, batch_id, result, on_error, mapping, d, written)
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
                shutil.rmtree(d / "tmp" / batch_id, ignore_errors=True)
                results.append(result)
            _pause_for_tests()
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                con.execute("ROLLBACK")
            for f in written:  # quarantine files of a batch that was not stored
                f.unlink(missing_ok=True)
            con.close()
            raise
        finally:
            for p in (d / "tmp").glob("*"):
                if p.is_dir() and p.name != "spill":
                    shutil.rmtree(p, ignore_errors=True)
        try:
            if any(r.status == "stored" for r in results):
                publish(con, home)
        finally:
            con.close()
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


def _ingest_one(con, info, fmt, batch_id, result, on_error, mapping, d, written) -> None:
    from tocsin.events.readers import gdelt, reader_for

    stage = reader_for(fmt.source)
    if fmt.source.startswith("gdelt") and fmt.layout == "raw":
        try:
            if _fast_path(con, info, fmt, batch_id, result):
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
            f"COPY (SELECT {_lit(str(info.path))} AS file, _line AS line, _problem AS reason, "
            f"{cols} FROM staged WHERE _problem IS NOT NULL "
            + "".join(f" UNION ALL SELECT {_lit(str(info.path))}, {int(line)}, "
                      f"{_lit('cannot be split into fields: ' + m)}, "
                      + ", ".join("NULL" for _ in schema.NAMES[:-1]) for line, m in rejects)
            + f" ORDER BY line) TO '{qfile}' (HEADER, DELIMITER ',')")
        result.quarantine_file = str(qfile)
    _merge(con, result)


def _fast_path(con, info, fmt, batch_id, result) -> bool:
    """Large raw GDELT files: one pass from the file into `events`, no staging copy.

    Rows failing a check are inserted under a marker batch id and counted; if
    there are any (or DuckDB could not split a line, or an id repeats) the
    batch's rows are deleted again, inside the still-open transaction, and False
    sends the caller down the slow path, which names lines and can quarantine.
    Nobody ever sees the marked rows: they never outlive the transaction.
    """
    from tocsin.events.readers import gdelt

    rel = gdelt.relation_sql(con, info, fmt, batch_id)
    marker = f"!{batch_id}"
    cols = ", ".join(n for n in schema.NAMES if n != "batch_id")
    total = con.execute(
        f"INSERT INTO events ({cols}, batch_id) SELECT {cols}, "
        f"CASE WHEN _problem IS NULL THEN batch_id ELSE {_lit(marker)} END FROM ({rel})"
    ).fetchone()[0]
    bad = con.execute("SELECT count(*) FROM events WHERE batch_id = ?", [marker]).fetchone()[0]
    dups = 0 if bad else con.execute(
        "SELECT count(*) FROM (SELECT uid FROM events WHERE batch_id = ? "
        "GROUP BY uid HAVING count(*) > 1)", [batch_id]).fetchone()[0]
    if bad or dups or gdelt.rejected_lines(con):
        con.execute("DELETE FROM events WHERE batch_id IN (?, ?)", [batch_id, marker])
        return False
    result.rows_read = total
    _resolve(con, result, batch_id, total)
    return True


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _shift_lines(con, reject_lines: list[int]) -> None:
    """Row numbers count parsed rows only; add back the lines DuckDB could not split."""
    for line in sorted(reject_lines):
        con.execute("UPDATE staged SET _line = _line + 1 WHERE _line >= ?", [line])


def _merge(con, result: BatchResult) -> None:
    names = ", ".join(schema.NAMES)
    batch_id = result.batch_id
    n_good = con.execute(f"INSERT INTO events ({names}) SELECT {names} FROM staged "
                         "WHERE _problem IS NULL").fetchone()[0]
    con.execute("DROP TABLE IF EXISTS staged")
    _resolve(con, result, batch_id, n_good)


def _resolve(con, result: BatchResult, batch_id: str, n_good: int) -> None:
    """The batch's rows are in `events`; settle uids that were already stored.

    A higher source_version wins; a lower one is stale and dropped. With equal
    or missing versions the newer delivery wins if its content differs; identical
    rows keep the stored copy, so re-delivery stores nothing.
    """
    if not con.execute("SELECT EXISTS (SELECT 1 FROM events WHERE batch_id <> ?)",
                       [batch_id]).fetchone()[0]:
        result.rows_new = n_good
        result.rows_stored = n_good
        return
    differs = " OR ".join(f"g.{c} IS DISTINCT FROM e.{c}" for c in schema.CONTENT)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE matched AS
        SELECT g.uid, CASE
          WHEN g.source_version < e.source_version THEN 'older'
          WHEN g.source_version > e.source_version THEN 'replace'
          WHEN {differs} THEN 'replace'
          ELSE 'unchanged' END AS action
        FROM events g JOIN events e ON g.uid = e.uid
        WHERE g.batch_id = ? AND e.batch_id <> ?""", [batch_id, batch_id])
    counts = dict(con.execute("SELECT action, count(*) FROM matched GROUP BY action").fetchall())
    con.execute("DELETE FROM events WHERE batch_id <> ? AND uid IN "
                "(SELECT uid FROM matched WHERE action = 'replace')", [batch_id])
    con.execute("DELETE FROM events WHERE batch_id = ? AND uid IN "
                "(SELECT uid FROM matched WHERE action <> 'replace')", [batch_id])
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


# --- snapshots -----------------------------------------------------------------------------

def _current(home: Path) -> Path | None:
    pointer = events_dir(home) / "snapshot" / "CURRENT"
    if not pointer.exists():
        return None
    return pointer.parent / pointer.read_text().strip()


def _last_batch(con) -> str | None:
    row = con.execute("SELECT max(batch_id) FROM batches").fetchone()
    return row[0] if row else None


def _publish_if_stale(con, home: Path) -> None:
    last = _last_batch(con)
    current = _current(home)
    if last and (current is None or current.name != last):
        publish(con, home)


def publish(con, home: Path) -> Path:
    """Write the committed state as Parquet and point CURRENT at it (atomic rename)."""
    snap = events_dir(home) / "snapshot"
    gen = _last_batch(con) or "empty"
    target = snap / gen
    tmp = snap / f".{gen}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    con.execute(f"COPY events TO '{tmp / 'events.parquet'}' "
                "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 500000)")
    con.execute(f"COPY (SELECT * FROM batches ORDER BY batch_id) TO '{tmp / 'batches.parquet'}' "
                "(FORMAT parquet)")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    pointer_tmp = snap / f".CURRENT.{os.getpid()}"
    pointer_tmp.write_text(gen)
    os.replace(pointer_tmp, snap / "CURRENT")
    # Keep the previous snapshot: a reader may have just resolved CURRENT to it.
    keep = {gen}
    older = sorted(p.name for p in snap.iterdir() if p.is_dir() and not p.name.startswith("."))
    keep.update(n for n in older if n < gen)
    keep = set(sorted(keep)[-2:]) | {gen}
    for p in snap.iterdir():
        if p.is_dir() and p.name not in keep and not p.name.startswith("."):
            shutil.rmtree(p, ignore_errors=True)
    return target


def snapshot_paths(home: Path) -> dict[str, Path] | None:
    """The Parquet files of the published snapshot, or None if nothing was ever ingested."""
    current = _current(Path(home))
    if current is None or not (current / "events.parquet").exists():
        return None
    return {"events": current / "events.parquet", "batches": current / "batches.parquet"}


def connect_reader(home: Path):
    """An in-memory DuckDB connection with views `events` and `batches` over the snapshot.

    Never touches store.duckdb, so it works while an ingest holds the write lock.
    """
    import duckdb

    con = duckdb.connect()
    paths = snapshot_paths(home)
    if paths is None:
        con.execute(schema.ddl("events"))
        cols = ", ".join(f"{n} {t}" for n, t in BATCH_COLUMNS)
        con.execute(f"CREATE TABLE batches ({cols})")
    else:
        for name, path in paths.items():
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
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
