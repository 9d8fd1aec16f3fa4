"""The analytical event store under the home directory, and how it is read.

    <home>/events/write.lock                 held (flock) by the one process writing
    <home>/events/snapshot/CURRENT           names the current generation
    <home>/events/snapshot/<gen>/events/     the events, as Parquet segment files
    <home>/events/snapshot/<gen>/batches.parquet   the manifest: one row per ingest
    <home>/events/quarantine/                rejected rows of --on-error quarantine ingests
    <home>/events/tmp/                       unzipped members and DuckDB spill, per ingest

The store of record is the generation CURRENT names; the lock, the switch of
CURRENT, the fsyncs, the pruning and the readers' retry are
``tocsin.generations``, the same as for the published signals. Writing is
``tocsin.events.ingest`` (the next generation's segments: ``segments``); this
module is the reading side. Readers (stats, export, the site, warning signals)
never wait: they read whichever whole generation CURRENT named when they looked.
"""

from __future__ import annotations

from pathlib import Path

from tocsin.events import schema
from tocsin.events.sqlparts import q
from tocsin.generations import GenerationStore

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


def events_dir(home: Path) -> Path:
    return Path(home) / "events"


def generations(home: Path) -> GenerationStore:
    """The store's generations (lock, commit, readers' retry)."""
    return GenerationStore(events_dir(home), writer="ingest")


def batches_ddl(table: str = "batches") -> str:
    cols = ", ".join(f"{n} {t}" for n, t in BATCH_COLUMNS)
    return f"CREATE TABLE {table} ({cols})"


def segments_of(generation: Path) -> list[Path]:
    legacy = generation / "events.parquet"  # Tocsin 0.1 wrote one file per snapshot
    if legacy.exists():
        return [legacy]
    return sorted((generation / "events").glob("*.parquet"))


def generation_paths(generation: Path | None) -> dict[str, Path] | None:
    """The files of one generation (see ``snapshot_paths``), or None if there is none."""
    if generation is None or not generation.exists():
        return None
    legacy = generation / "events.parquet"
    events = legacy if legacy.exists() else generation / "events" / "*.parquet"
    return {"events": events, "batches": generation / "batches.parquet",
            "generation": generation}


def snapshot_paths(home: Path) -> dict[str, Path] | None:
    """The current generation's files, or None if nothing was ever ingested.

    `events` is a glob over the segment files, which DuckDB, Ibis and Spark all
    read as one table; `generation` names the directory, which changes with
    every commit (a cache key).
    """
    return generation_paths(generations(home).current())


def connect_reader(home: Path):
    """An in-memory DuckDB connection with views `events` and `batches` over the
    current generation. Never waits for a writer."""
    import duckdb

    con = duckdb.connect()

    def views(generation: Path | None):
        if generation is not None and not generation.exists():
            raise FileNotFoundError(generation)  # pruned since CURRENT was read: retried
        paths = generation_paths(generation)
        if paths is None:
            con.execute(schema.ddl("events"))
            con.execute(batches_ddl())
            return con
        for name in ("events", "batches"):
            con.execute(f"CREATE OR REPLACE VIEW {name} AS "
                        f"SELECT * FROM read_parquet({q(str(paths[name]))})")
        return con

    try:
        return generations(home).read(views)
    except BaseException:
        con.close()
        raise


def manifest(home: Path) -> list[dict]:
    con = connect_reader(home)
    try:
        cur = con.execute("SELECT * FROM batches ORDER BY batch_id")
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()
