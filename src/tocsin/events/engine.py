"""Where the events table comes from, for the Ibis queries in queries.py.

DuckDB (in process) is the default; Spark is used when asked for
(`engine="spark"` or TOCSIN_ENGINE=spark). Both read the same Parquet: the
store's published snapshot, or a Parquet lake named by TOCSIN_EVENTS_LAKE
(a file, a directory of files, or a glob; any path Spark can read, e.g.
s3a://bucket/events/). See docs/scale-out.md.
"""

from __future__ import annotations

import os
from pathlib import Path

ENGINE_ENV = "TOCSIN_ENGINE"
LAKE_ENV = "TOCSIN_EVENTS_LAKE"
MASTER_ENV = "TOCSIN_SPARK_MASTER"


def events_source(home: Path | None = None) -> str | None:
    """The Parquet path the events table is read from, or None for an empty store."""
    if os.environ.get(LAKE_ENV):
        return os.environ[LAKE_ENV]
    from tocsin.config import home as resolve_home
    from tocsin.events.store import snapshot_paths

    paths = snapshot_paths(resolve_home(home))
    return str(paths["events"]) if paths else None


def spark_session(master: str | None = None):
    """A Spark session configured as Tocsin expects (UTC, small shuffle for local runs).

    With TOCSIN_SPARK_MASTER (e.g. spark://host:7077) it joins that cluster;
    otherwise it runs locally on two cores.
    """
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    master = master or os.environ.get(MASTER_ENV, "local[2]")
    builder = (SparkSession.builder.appName("tocsin").master(master)
               .config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC"))
    if master.startswith("local"):
        builder = (builder.config("spark.driver.memory", "2g")
                   .config("spark.sql.shuffle.partitions", "4"))
    return builder.getOrCreate()


def connect(engine: str | None = None, spark=None):
    """An Ibis backend: DuckDB in memory, or PySpark on `spark` (or a new session)."""
    import ibis

    engine = engine or os.environ.get(ENGINE_ENV, "duckdb")
    if engine == "duckdb":
        return ibis.duckdb.connect()
    if engine == "spark":
        return ibis.pyspark.connect(spark or spark_session())
    raise ValueError(f"unknown engine {engine!r}; expected duckdb or spark")


def events_table(home: Path | None = None, engine: str | None = None, spark=None,
                 source: str | None = None):
    """The canonical events table as an Ibis table on the chosen engine."""
    import ibis

    from tocsin.events import schema

    con = connect(engine, spark)
    source = source or events_source(home)
    if source is None:  # nothing ingested yet: an empty table with the right columns
        types = {"VARCHAR": "string", "BIGINT": "int64", "DATE": "date", "SMALLINT": "int16",
                 "DOUBLE": "float64", "INTEGER": "int32"}
        sch = ibis.schema({n: types[t] for n, t, _ in schema.COLUMNS})
        return con.create_table("events", schema=sch, temp=True, overwrite=True) \
            if hasattr(con, "create_table") else ibis.memtable([], schema=sch)
    return con.read_parquet(source, table_name="events")
