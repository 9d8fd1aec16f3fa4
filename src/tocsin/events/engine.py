"""Where the events table comes from, for the Ibis expressions of the weekly series
(``tocsin.warning.series``).

DuckDB (in process) is the default; Spark is used when asked for
(`engine="spark"` or TOCSIN_ENGINE=spark). Both read the same Parquet: the
store's published snapshot, or a Parquet lake named by TOCSIN_EVENTS_LAKE
(a file, a directory of files, or a glob; any path Spark can read, e.g.
s3a://bucket/events/). See docs/scale-out.md.
"""

from __future__ import annotations

import os
from pathlib import Path

from tocsin import config


def events_source(home: Path | None = None) -> str | None:
    """The Parquet path the events table is read from, or None for an empty store."""
    lake = config.value("TOCSIN_EVENTS_LAKE")
    if lake:
        return lake
    from tocsin.events.store import snapshot_paths

    paths = snapshot_paths(config.home(home))
    return str(paths["events"]) if paths else None


def spark_session(master: str | None = None):
    """A Spark session configured as Tocsin expects (UTC, small shuffle for local runs).

    With TOCSIN_SPARK_MASTER (e.g. spark://host:7077) it joins that cluster;
    otherwise it runs locally on two cores.
    """
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    master = master or config.value("TOCSIN_SPARK_MASTER")
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

    engine = engine or config.value("TOCSIN_ENGINE")
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
        sch = schema.ibis_schema()
        return con.create_table("events", schema=sch, temp=True, overwrite=True) \
            if hasattr(con, "create_table") else ibis.memtable([], schema=sch)
    return con.read_parquet(source, table_name="events")
