"""Weekly signals from the event store, materialised incrementally and published for
readers. The series themselves are Ibis expressions, in ``tocsin.warning.series``.

The materialised tables live in ``<home>/warning/signals.duckdb``:

* ``signals``   the weekly figures (``series.weekly_signals``);
* ``daily``     fatalities per source, country and day (for the HDX baseline rule);
* ``coverage``  per source, country and ingest batch, the first and last week the
  batch reports on. Weeks outside every covered span are unknown, not zero: a
  file of Oct-Dec 2021 says nothing about 2022.
* ``week_counts`` events per source, country and week (to find moved events);
* ``processed`` the ingest batches already folded in.

Readers never open that file. DuckDB lets one process at a time open a database
file for writing, and while it is open for writing no other process may open it
at all, not even read-only: the site (or a second ``warn run``) reading it would
make a refresh fail, and the refresh would make them fail. So the tables readers
need (``signals``, ``daily``, ``coverage``) are published after each committed
refresh as a generation of Parquet files, ``<home>/warning/snapshot/<generation>/``,
through ``tocsin.generations``, exactly as the event store publishes its events:
the writer lock ``<home>/warning/write.lock`` (refreshes queue behind each other,
and a waiting one says so), fsync, the atomic switch of ``snapshot/CURRENT``, the
same number of generations kept, readers that retry. Readers (detection, backtest,
charts, the site) use ``connect_snapshot``: an in-memory DuckDB with views over
those files. If a process dies after its commit but before publishing, the next
refresh publishes.

Incremental: a refresh reads the store's batch manifest; only the (source,
country, week) keys touched by new batches are deleted and recomputed. A batch
that replaced events (rows_replaced > 0) may have moved an event out of a week,
so for its sources the per-week event counts are compared with the stored ones
and differing weeks are recomputed too.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tocsin.generations import GenerationStore
from tocsin.warning.series import (
    coverage,
    coverage_spans,
    daily_fatalities,
    week_counts,
    week_of,
    weekly_signals,
)

# --- the materialised tables ---------------------------------------------------------

SIGNALS_DDL = """
CREATE TABLE IF NOT EXISTS signals (source VARCHAR, country VARCHAR, level VARCHAR,
  unit VARCHAR, week DATE, event_class VARCHAR, events BIGINT, fatalities BIGINT,
  civilian_fatalities BIGINT, actors BIGINT);
CREATE TABLE IF NOT EXISTS daily (source VARCHAR, country VARCHAR, day DATE,
  fatalities BIGINT);
CREATE TABLE IF NOT EXISTS coverage (source VARCHAR, country VARCHAR, batch_id VARCHAR,
  first_week DATE, last_week DATE);
CREATE TABLE IF NOT EXISTS week_counts (source VARCHAR, country VARCHAR, week DATE,
  events BIGINT);
CREATE TABLE IF NOT EXISTS processed (batch_id VARCHAR PRIMARY KEY);
CREATE TABLE IF NOT EXISTS generation (name VARCHAR);
"""
# The tables readers get, from the published snapshot.
SNAPSHOT_TABLES = ("signals", "daily", "coverage")


def signals_path(home: Path) -> Path:
    return Path(home) / "warning" / "signals.duckdb"


@dataclass
class Refresh:
    new_batches: int
    dirty_weeks: int  # (source, country, week) keys recomputed
    signal_rows: int  # rows in the signals table afterwards
    full: bool  # everything was recomputed (first build)


def open_events(home: Path, engine: str | None = None, spark=None):
    """(ibis backend, events table, batches table or None) on the chosen engine.

    Events come from ``tocsin.events.engine`` (the store's current generation, or
    a Parquet lake named by TOCSIN_EVENTS_LAKE; DuckDB or Spark). The batch
    manifest exists only for the store; without it every refresh is a full one.
    Events and manifest are read from the one generation CURRENT named: from two,
    a batch committed in between would count as folded in without its events.
    """
    from tocsin import config
    from tocsin.events import engine as ev_engine
    from tocsin.events.store import snapshot_paths

    lake = config.value("TOCSIN_EVENTS_LAKE")
    paths = None if lake else snapshot_paths(Path(home))
    source = lake or (str(paths["events"]) if paths else None)
    if source is None:
        return None, None, None
    con = ev_engine.connect(engine, spark)
    events = con.read_parquet(source, table_name="tocsin_events")
    batches = None
    if paths is not None:
        batches = con.read_parquet(str(paths["batches"]), table_name="tocsin_batches")
    return con, events, batches


def connect_signals(home: Path, read_only: bool = False):
    """The materialised tables themselves: for the writer (``refresh``, under
    ``writer_lock``). Anything that only reads uses ``connect_snapshot``."""
    import duckdb

    path = signals_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    if read_only and path.exists():
        return duckdb.connect(str(path), read_only=True)
    con = duckdb.connect(str(path))
    con.execute(SIGNALS_DDL)
    return con


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def generations(home: Path) -> GenerationStore:
    """The published generations of the signals (lock, commit, readers' retry)."""
    return GenerationStore(signals_path(home).parent, writer="signal refresh")


@contextlib.contextmanager
def writer_lock(home: Path, echo: Callable[[str], None] = _stderr):
    """Held by the one process refreshing the signals of ``home``; others wait (and say
    so through ``echo``: standard error, so that JSON output stays clean). Yields the
    locked generation store, which ``publish`` commits to."""
    store = generations(home)
    with store.lock(echo):
        yield store


def snapshot_dir(home: Path) -> Path:
    return generations(home).snapshot


def _tables(generation: Path | None) -> dict[str, Path] | None:
    if generation is None:
        return None
    paths = {t: generation / f"{t}.parquet" for t in SNAPSHOT_TABLES}
    return paths if all(p.exists() for p in paths.values()) else None


def snapshot_paths(home: Path) -> dict[str, Path] | None:
    """table -> Parquet file of the published snapshot, or None if none was published."""
    return _tables(generations(home).current())


def connect_snapshot(home: Path, threads: int | None = None):
    """An in-memory DuckDB connection with views ``signals``, ``daily`` and ``coverage``
    over the published snapshot (empty tables if none was published yet). Never opens
    signals.duckdb, so it works while a refresh writes, and never holds up one."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")

    def views(generation: Path | None):
        if generation is not None and not generation.exists():
            raise FileNotFoundError(generation)  # pruned since CURRENT was read: retried
        paths = _tables(generation)
        if paths is None:
            con.execute(SIGNALS_DDL)
            return con
        for table, path in paths.items():
            con.execute(f"CREATE OR REPLACE VIEW {table} AS "
                        f"SELECT * FROM read_parquet('{path}')")
        return con

    try:
        return generations(home).read(views)
    except BaseException:
        con.close()
        raise


def connect_computed(home: Path, country: str | None = None, threads: int | None = None):
    """An in-memory DuckDB connection with a view ``signals`` computed from the event
    store's current generation by ``series.weekly_signals``, the expression a refresh
    materialises (``country``: that country's rows only), or None if nothing was
    ingested. For readers before the first refresh has published: they see the same
    figures as after it."""
    import duckdb

    from tocsin.events import store
    from tocsin.events.sqlparts import q
    from tocsin.warning.series import duckdb_sql

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")

    def views(generation: Path | None):
        if generation is None:
            return None
        if not generation.exists():
            raise FileNotFoundError(generation)  # pruned since CURRENT was read: retried
        events = q(str(store.generation_paths(generation)["events"]))
        where = f" WHERE country = {q(country)}" if country else ""
        con.execute(f"CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet({events})"
                    + where)
        con.execute(f"CREATE OR REPLACE VIEW signals AS {duckdb_sql('weekly_signals')}")
        return con

    try:
        found = store.generations(home).read(views)
    except BaseException:
        con.close()
        raise
    if found is None:
        con.close()
    return found


def _generation(db) -> str | None:
    row = db.execute("SELECT max(name) FROM generation").fetchone()
    return row[0] if row else None


def _new_generation(db, after: Path | None = None) -> str:
    """Set (inside the writer's transaction) the name of the state being committed: the
    time, or just after the generation ``after`` if the clock is behind it."""
    later = int(after.name) + 1 if after is not None and after.name.isdigit() else 0
    name = f"{max(time.time_ns(), later):020d}"
    db.execute("DELETE FROM generation")
    db.execute("INSERT INTO generation VALUES (?)", [name])
    return name


def publish(db, store: GenerationStore) -> Path | None:
    """Write the committed tables as Parquet and make them the current generation, if
    CURRENT does not name the committed state already. ``store`` is the one
    ``writer_lock`` yielded."""
    gen = _generation(db)
    current = store.current()
    if current is not None and current.name == gen and _tables(current) is not None:
        return current
    if gen is None or (current is not None and gen <= current.name):
        # A store refreshed before snapshots existed, or one whose state is named at or
        # before the published one (a clock set back, a restored file): name it anew.
        gen = _new_generation(db, current)
    build = store.build()
    try:
        for table in SNAPSHOT_TABLES:
            db.execute(f"COPY (SELECT * FROM {table}) TO '{build / (table + '.parquet')}' "
                       "(FORMAT parquet, COMPRESSION zstd)")
        return store.commit(build, gen)
    except BaseException:
        store.abandon(build)
        raise


def refresh(home: Path, engine: str | None = None, spark=None,
            echo: Callable[[str], None] = _stderr) -> Refresh:
    """Fold the batches ingested since the last refresh into the materialised signals,
    and publish them for readers (``connect_snapshot``). One refresh at a time per home;
    a refresh that has to wait for another says so through ``echo``."""
    with writer_lock(home, echo) as store:
        return _refresh(home, engine, spark, store)


def _refresh(home: Path, engine: str | None, spark, store: GenerationStore) -> Refresh:
    import ibis
    import pyarrow as pa

    ibis_con, events, batches = open_events(home, engine, spark)
    db = connect_signals(home)
    try:
        if events is None:
            return Refresh(0, 0, 0, False)
        done = {r[0] for r in db.execute("SELECT batch_id FROM processed").fetchall()}
        if batches is None:  # a lake without a manifest: recompute everything
            new, full = [], True
        else:
            manifest = batches.select("batch_id", "source",
                                      "rows_replaced").to_pyarrow().to_pylist()
            new = [b for b in manifest if b["batch_id"] not in done]
            if not new:
                publish(db, store)  # if a crash came between the last commit and publishing
                n = db.execute("SELECT count(*) FROM signals").fetchone()[0]
                return Refresh(0, 0, n, False)
            full = not done
        counts = week_counts(events)
        if full:
            dirty = None
        else:
            new_ids = [b["batch_id"] for b in new]
            touched = events.filter(events.batch_id.isin(new_ids))
            touched = touched.filter(touched.event_date.notnull(), touched.country.notnull())
            keys = touched.select(touched.source, touched.country,
                                  week=week_of(touched.event_date)).distinct()
            dirty = keys.to_pyarrow()
            replacing = sorted({b["source"] for b in new if (b["rows_replaced"] or 0) > 0})
            if replacing:
                # Weeks whose event count changed although no new row landed in them:
                # a replaced event moved out of them.
                now = counts.filter(counts.source.isin(replacing)).to_pyarrow()
                db.register("now_counts", now)
                moved = db.execute("""
                    SELECT coalesce(n.source, o.source) AS source,
                           coalesce(n.country, o.country) AS country,
                           coalesce(n.week, o.week) AS week
                    FROM now_counts n FULL JOIN (SELECT * FROM week_counts
                         WHERE source IN (SELECT DISTINCT source FROM now_counts)) o
                      ON n.source = o.source AND n.country = o.country AND n.week = o.week
                    WHERE n.events IS DISTINCT FROM o.events""").arrow()
                moved = moved.read_all() if hasattr(moved, "read_all") else moved
                db.unregister("now_counts")
                dirty = pa.concat_tables([dirty, moved.cast(dirty.schema)])
        db.execute("BEGIN TRANSACTION")
        try:
            if full:
                for table in ("signals", "daily", "week_counts"):
                    db.execute(f"DELETE FROM {table}")
                sig = weekly_signals(events).to_pyarrow()
                day = daily_fatalities(events).to_pyarrow()
                wc = counts.to_pyarrow()
                n_dirty = wc.num_rows
            else:
                dirty_df = dirty.to_pandas().drop_duplicates()
                dirty_t = ibis.memtable(dirty_df)
                n_dirty = len(dirty_df)
                ev = events.mutate(week=week_of(events.event_date))
                ev = ev.semi_join(dirty_t, ["source", "country", "week"]).drop("week")
                sig = weekly_signals(ev).to_pyarrow()
                day = daily_fatalities(ev).to_pyarrow()
                wc = week_counts(ev).to_pyarrow()
                db.register("dirty", dirty_df)
                for table, wcol in (("signals", "week"), ("week_counts", "week"),
                                    ("daily", "date_trunc('week', day)")):
                    db.execute(f"""DELETE FROM {table} WHERE (source, country, {wcol}) IN
                                   (SELECT (source, country, week) FROM dirty)""")
                db.unregister("dirty")
            db.register("new_signals", sig)
            db.execute("INSERT INTO signals SELECT * FROM new_signals")
            db.register("new_daily", day)
            db.execute("INSERT INTO daily SELECT source, country, day, fatalities FROM new_daily")
            db.register("new_counts", wc)
            db.execute("INSERT INTO week_counts SELECT * FROM new_counts")
            cov = coverage_spans(coverage(events).to_pyarrow())
            db.register("new_cov", cov)
            db.execute("DELETE FROM coverage")
            db.execute("INSERT INTO coverage SELECT source, country, batch_id, first_week, "
                       "last_week FROM new_cov")
            for b in new:
                db.execute("INSERT INTO processed VALUES (?)", [b["batch_id"]])
            _new_generation(db, store.current())
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        publish(db, store)
        n = db.execute("SELECT count(*) FROM signals").fetchone()[0]
        return Refresh(len(new), int(n_dirty), n, full)
    finally:
        db.close()
        if ibis_con is not None and ibis_con.name == "duckdb":
            ibis_con.disconnect()


def read_signals(home: Path, sql_filter: str = "TRUE", params: list | None = None):
    """The published signals as a pandas frame (optionally filtered)."""
    db = connect_snapshot(home)
    try:
        return db.execute(f"SELECT * FROM signals WHERE {sql_filter}", params or []).df()
    finally:
        db.close()
