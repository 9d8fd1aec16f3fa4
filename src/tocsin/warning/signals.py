"""Weekly signals from the event store, as Ibis expressions, materialised incrementally.

A signal row is one (source, country, level, unit, ISO week, event class) with four
figures: events, fatalities, civilian fatalities and distinct actors. ``level`` is
"country" (unit "") or "admin1" (unit = the source's admin1 name). Each source
keeps its own series: ACLED and UCDP report many of the same events, so adding
them would double-count, and each has its own coverage.

The expressions take any Ibis table with the canonical event columns
(``tocsin.events.schema``), so the same code runs on DuckDB and on Spark. The
materialised tables live in ``<home>/warning/signals.duckdb``:

* ``signals``   the weekly figures above;
* ``daily``     fatalities per source, country and day (for the HDX baseline rule);
* ``coverage``  per source, country and ingest batch, the first and last week the
  batch reports on. Weeks outside every covered span are unknown, not zero: a
  file of Oct-Dec 2021 says nothing about 2022.
* ``processed`` the ingest batches already folded in.

Readers never open that file. DuckDB lets one process at a time open a database
file for writing, and while it is open for writing no other process may open it
at all, not even read-only: the site (or a second ``warn run``) reading it would
make a refresh fail, and the refresh would make them fail. So, as the event store
does (``tocsin.events.store``), the writer takes ``<home>/warning/write.lock``
(flock: refreshes queue behind each other) and after each committed refresh
publishes the tables readers need (``signals``, ``daily``, ``coverage``) as a
Parquet snapshot, ``<home>/warning/snapshot/<generation>/``, named by
``snapshot/CURRENT``, which is replaced atomically (``os.replace``); the previous
generation is kept for readers that have just resolved CURRENT to it. Readers
(detection, backtest, charts, the site) use ``connect_snapshot``: an in-memory
DuckDB with views over those files. If a process dies after its commit but before
publishing, the next refresh publishes.

Incremental: a refresh reads the store's batch manifest; only the (source,
country, week) keys touched by new batches are deleted and recomputed. A batch
that replaced events (rows_replaced > 0) may have moved an event out of a week,
so for its sources the per-week event counts are compared with the stored ones
and differing weeks are recomputed too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

# Events whose date is only known within a long span (UCDP aggregation events,
# date_precision 4) cannot be put in a week; they are left out of weekly series.
MAX_DATE_PRECISION = 3
# ACLED gives no civilian death toll; in the classes where civilians are the
# target by definition, its fatalities are civilians. UCDP's deaths_civilians
# is used as given.
CIVILIAN_TARGET_CLASSES = ("violence-against-civilians", "mass-killing", "sexual-violence",
                           "abduction-disappearance", "repression")
KEYS = ["source", "country", "level", "unit", "week", "event_class"]
MEASURES = ["events", "fatalities", "civilian_fatalities", "actors"]


def _weekly_base(events):
    """Events that can be placed in a week, with the columns the signals need."""
    import ibis

    e = events
    e = e.filter(e.event_date.notnull(), e.country.notnull(),
                 e.date_precision.isnull() | (e.date_precision <= MAX_DATE_PRECISION))
    fat = e.fatalities_best.fill_null(0)
    civ = ibis.coalesce(
        e.civilian_fatalities,
        ibis.cases((e.event_class.isin(CIVILIAN_TARGET_CLASSES), fat), else_=0))
    return e.select(
        source=e.source, country=e.country,
        admin1=e.admin1, week=e.event_date.truncate("W").cast("date"),
        event_class=e.event_class, fat=fat.cast("int64"), civ=civ.cast("int64"),
        actor1=e.actor1, actor2=e.actor2)


def _aggregate(base, level: str):
    import ibis

    if level == "country":
        t = base.mutate(level=ibis.literal("country"), unit=ibis.literal(""))
    else:
        t = base.filter(base.admin1.notnull() & (base.admin1 != ""))
        t = t.mutate(level=ibis.literal("admin1"), unit=t.admin1)
    figures = t.group_by(KEYS).aggregate(
        events=t.count(), fatalities=t.fat.sum(), civilian_fatalities=t.civ.sum())
    # Distinct actors: actor1 and actor2 stacked, then counted once each.
    a1 = t.select(*KEYS, actor=t.actor1)
    a2 = t.select(*KEYS, actor=t.actor2)
    stacked = a1.union(a2, distinct=False)
    stacked = stacked.filter(stacked.actor.notnull() & (stacked.actor != ""))
    actors = stacked.group_by(KEYS).aggregate(actors=stacked.actor.nunique())
    joined = figures.left_join(actors, KEYS)
    return joined.select(*[figures[k] for k in KEYS],
                         figures.events.cast("int64").name("events"),
                         figures.fatalities.cast("int64").name("fatalities"),
                         figures.civilian_fatalities.cast("int64").name("civilian_fatalities"),
                         actors.actors.fill_null(0).cast("int64").name("actors"))


def weekly_signals(events):
    """The weekly signal expression over an Ibis table of canonical events."""
    base = _weekly_base(events)
    return _aggregate(base, "country").union(_aggregate(base, "admin1"), distinct=False)


def daily_fatalities(events):
    """Fatalities per source, country and day (HDX's rolling 30-day rule needs days)."""
    e = _weekly_base_daily(events)
    return e.group_by(["source", "country", "day"]).aggregate(fatalities=e.fat.sum())


def _weekly_base_daily(events):
    e = events.filter(events.event_date.notnull(), events.country.notnull(),
                      events.date_precision.isnull()
                      | (events.date_precision <= MAX_DATE_PRECISION))
    return e.select(source=e.source, country=e.country, day=e.event_date,
                    week=e.event_date.truncate("W").cast("date"),
                    fat=e.fatalities_best.fill_null(0).cast("int64"))


def coverage(events):
    """Events per source, ingest batch, country and week: what ``coverage_spans`` reads."""
    e = events.filter(events.event_date.notnull(), events.country.notnull())
    e = e.mutate(week=e.event_date.truncate("W").cast("date"))
    return e.group_by(["source", "batch_id", "country", "week"]).aggregate(
        events=e.count().cast("int64"))


# A file's span starts where its first 1% of events lie: ACLED's legacy
# "Jan-May 2016" export holds late-coded events back to 2014, which would
# otherwise make 2014-15 look covered (and empty).
COVERAGE_TAIL = 0.01

# GDELT exports are slices of publication time (a day, or 15 minutes): the rows
# a file dates earlier are late reports of older events, so the file says
# nothing about those weeks being quiet. Such a batch covers only its busiest
# week, its publication week; otherwise one 15-minute file looks like months of
# calm followed by a "surge" (seen on the bundled GDELT samples).
PUBLICATION_SLICE_SOURCES = frozenset({"gdelt1", "gdelt2"})


def coverage_spans(counts):
    """(source, country, batch_id, first_week, last_week) from ``coverage`` counts: a
    batch covers, for every country in it, the weeks from where its first 1% of events
    lie to its last event; a GDELT batch covers its publication week only."""
    import pandas as pd

    df = counts.to_pandas() if hasattr(counts, "to_pandas") else counts
    rows = []
    for (src, batch), g in df.groupby(["source", "batch_id"]):
        per_week = g.groupby("week")["events"].sum().sort_index()
        if src in PUBLICATION_SLICE_SOURCES:
            first = last = per_week.idxmax()
        else:
            share = per_week.cumsum() / per_week.sum()
            first = share.index[int((share >= COVERAGE_TAIL).to_numpy().argmax())]
            last = per_week.index.max()
        for ctry in g["country"].unique():
            rows.append((src, ctry, batch, first, last))
    return pd.DataFrame(rows, columns=["source", "country", "batch_id", "first_week",
                                       "last_week"])


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

    Events come from ``tocsin.events.engine`` (the store's published snapshot, or
    a Parquet lake named by TOCSIN_EVENTS_LAKE; DuckDB or Spark). The batch
    manifest exists only for the store; without it every refresh is a full one.
    """
    from tocsin.events import engine as ev_engine
    from tocsin.events.store import snapshot_paths

    source = ev_engine.events_source(home)
    if source is None:
        return None, None, None
    con = ev_engine.connect(engine, spark)
    events = con.read_parquet(source, table_name="tocsin_events")
    paths = snapshot_paths(Path(home))
    batches = None
    if paths is not None and str(paths["events"]) == source:
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


@contextlib.contextmanager
def writer_lock(home: Path):
    """Held by the one process refreshing the signals of ``home``; others wait."""
    path = signals_path(home).parent / "write.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def snapshot_dir(home: Path) -> Path:
    return signals_path(home).parent / "snapshot"


def _current(home: Path) -> Path | None:
    pointer = snapshot_dir(home) / "CURRENT"
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    return pointer.parent / name if name else None


def snapshot_paths(home: Path) -> dict[str, Path] | None:
    """table -> Parquet file of the published snapshot, or None if none was published."""
    current = _current(Path(home))
    if current is None:
        return None
    paths = {t: current / f"{t}.parquet" for t in SNAPSHOT_TABLES}
    return paths if all(p.exists() for p in paths.values()) else None


def connect_snapshot(home: Path, threads: int | None = None):
    """An in-memory DuckDB connection with views ``signals``, ``daily`` and ``coverage``
    over the published snapshot (empty tables if none was published yet). Never opens
    signals.duckdb, so it works while a refresh writes, and never holds up one."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    for attempt in range(3):
        paths = snapshot_paths(home)
        if paths is None:
            con.execute(SIGNALS_DDL)
            return con
        try:
            for table, path in paths.items():
                con.execute(f"CREATE OR REPLACE VIEW {table} AS "
                            f"SELECT * FROM read_parquet('{path}')")
            return con
        except duckdb.IOException:
            # Two refreshes were published since CURRENT was read and the generation
            # was removed: read CURRENT again.
            if attempt == 2:
                con.close()
                raise
            time.sleep(0.05)
    return con


def _generation(db) -> str | None:
    row = db.execute("SELECT max(name) FROM generation").fetchone()
    return row[0] if row else None


def _new_generation(db) -> str:
    """Set (inside the writer's transaction) the name of the state being committed."""
    name = f"{time.time_ns():020d}"
    db.execute("DELETE FROM generation")
    db.execute("INSERT INTO generation VALUES (?)", [name])
    return name


def publish(db, home: Path) -> Path | None:
    """Write the committed tables as Parquet and point CURRENT at them (atomic rename),
    if CURRENT does not name the committed generation already. Under ``writer_lock``."""
    gen = _generation(db)
    if gen is None:  # a store refreshed before snapshots existed: name its state now
        gen = _new_generation(db)
    current = _current(home)
    if current is not None and current.name == gen and snapshot_paths(home) is not None:
        return current
    snap = snapshot_dir(home)
    snap.mkdir(parents=True, exist_ok=True)
    target = snap / gen
    tmp = snap / f".{gen}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for table in SNAPSHOT_TABLES:
        db.execute(f"COPY (SELECT * FROM {table}) TO '{tmp / (table + '.parquet')}' "
                   "(FORMAT parquet, COMPRESSION zstd)")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    pointer_tmp = snap / f".CURRENT.{os.getpid()}"
    pointer_tmp.write_text(gen)
    os.replace(pointer_tmp, snap / "CURRENT")
    # Keep the previous generation: a reader may have just resolved CURRENT to it.
    gens = sorted(p.name for p in snap.iterdir() if p.is_dir() and not p.name.startswith("."))
    keep = set([n for n in gens if n < gen][-1:]) | {gen}
    for name in gens:
        if name not in keep:
            shutil.rmtree(snap / name, ignore_errors=True)
    return target


def refresh(home: Path, engine: str | None = None, spark=None) -> Refresh:
    """Fold the batches ingested since the last refresh into the materialised signals,
    and publish them for readers (``connect_snapshot``). One refresh at a time per home."""
    with writer_lock(home):
        return _refresh(home, engine, spark)


def _refresh(home: Path, engine: str | None, spark) -> Refresh:
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
                publish(db, home)  # if a crash came between the last commit and publishing
                n = db.execute("SELECT count(*) FROM signals").fetchone()[0]
                return Refresh(0, 0, n, False)
            full = not done
        week_counts = _week_counts(events)
        if full:
            dirty = None
        else:
            new_ids = [b["batch_id"] for b in new]
            touched = events.filter(events.batch_id.isin(new_ids))
            touched = touched.filter(touched.event_date.notnull(), touched.country.notnull())
            keys = touched.select(touched.source, touched.country,
                                  week=touched.event_date.truncate("W").cast("date")).distinct()
            dirty = keys.to_pyarrow()
            replacing = sorted({b["source"] for b in new if (b["rows_replaced"] or 0) > 0})
            if replacing:
                # Weeks whose event count changed although no new row landed in them:
                # a replaced event moved out of them.
                now = week_counts.filter(week_counts.source.isin(replacing)).to_pyarrow()
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
                wc = week_counts.to_pyarrow()
                n_dirty = wc.num_rows
            else:
                dirty_df = dirty.to_pandas().drop_duplicates()
                dirty_t = ibis.memtable(dirty_df)
                n_dirty = len(dirty_df)
                ev = events.mutate(week=events.event_date.truncate("W").cast("date"))
                ev = ev.semi_join(dirty_t, ["source", "country", "week"]).drop("week")
                sig = weekly_signals(ev).to_pyarrow()
                day = daily_fatalities(ev).to_pyarrow()
                wc = _week_counts(ev).to_pyarrow()
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
            _new_generation(db)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        publish(db, home)
        n = db.execute("SELECT count(*) FROM signals").fetchone()[0]
        return Refresh(len(new), int(n_dirty), n, full)
    finally:
        db.close()
        if ibis_con is not None and ibis_con.name == "duckdb":
            ibis_con.disconnect()


def _week_counts(events):
    e = events.filter(events.event_date.notnull(), events.country.notnull())
    e = e.mutate(week=e.event_date.truncate("W").cast("date"))
    return e.group_by(["source", "country", "week"]).aggregate(events=e.count().cast("int64"))


def read_signals(home: Path, sql_filter: str = "TRUE", params: list | None = None):
    """The published signals as a pandas frame (optionally filtered)."""
    db = connect_snapshot(home)
    try:
        return db.execute(f"SELECT * FROM signals WHERE {sql_filter}", params or []).df()
    finally:
        db.close()
