"""A synthetic event store for the benchmarks.

``write_snapshot`` writes N canonical events as the event store's published
generation (events/<segment>.parquet, batches.parquet, CURRENT), so Tocsin reads it exactly
as it reads a real store: ten ingest batches, skewed activity across the given
countries (country k has weight ~ 1/(k+1): a few hot, most quiet), up to 15
admin1 units each, 2014-2023, the taxonomy's classes with conflict-like weights,
and over-dispersed fatalities (most events none, a few many).
"""

from __future__ import annotations

from pathlib import Path

CLASSES = [("armed-clash", 30), ("remote-violence", 15), ("violence-against-civilians", 15),
           ("protest", 20), ("riot", 6), ("repression", 2), ("arrests", 3),
           ("territory-change", 1), ("mass-killing", 0.3), ("abduction-disappearance", 2),
           ("sexual-violence", 0.5), ("destruction-looting", 2), ("other", 3),
           ("coup", 0.01), ("assassination", 0.1), ("displacement", 0.2)]
GENERATION = "20260101T000000000000Z-bench10"
BATCHES = 10


def _class_case() -> str:
    total = sum(w for _, w in CLASSES)
    cases, acc = [], 0.0
    for name, w in CLASSES:
        acc += w / total
        cases.append(f"WHEN r_class < {acc:.6f} THEN '{name}'")
    return "CASE " + " ".join(cases) + " ELSE 'other' END"


def write_snapshot(home: Path, rows: int, countries: list[str]) -> None:
    """Write ``rows`` synthetic events over ``countries`` as ``home``'s event snapshot."""
    import duckdb

    snap = Path(home) / "events" / "snapshot"
    out = snap / GENERATION
    (out / "events").mkdir(parents=True)
    n = len(countries)
    names = "[" + ", ".join(f"'{c}'" for c in countries) + "]"
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"""
    COPY (
      WITH base AS (
        SELECT i,
          least({n - 1}, CAST(floor(exp(random() * ln({n + 1})) - 1) AS INTEGER)) AS c,
          random() AS r_class, random() AS r_fat, random() AS r_adm, random() AS r_day
        FROM range({rows}) t(i))
      SELECT 'bench:' || i AS uid, 'bench' AS source, CAST(i AS VARCHAR) AS source_id,
        CAST(NULL AS BIGINT) AS source_version,
        DATE '2014-01-06' + CAST(floor(r_day * 3640) AS INTEGER) AS event_date,
        DATE '2014-01-06' + CAST(floor(r_day * 3640) AS INTEGER) AS date_end,
        CAST(1 AS SMALLINT) AS date_precision,
        {names}[c + 1] AS country,
        'unit-' || CAST(floor(r_adm * 15) AS INTEGER) AS admin1,
        CAST(NULL AS VARCHAR) AS admin2, CAST(NULL AS VARCHAR) AS place,
        CAST(NULL AS DOUBLE) AS latitude, CAST(NULL AS DOUBLE) AS longitude,
        CAST(1 AS SMALLINT) AS geo_precision, {_class_case()} AS event_class,
        'bench' AS source_type,
        'actor-' || CAST(floor(random() * 40) AS INTEGER) AS actor1,
        'actor-' || CAST(floor(random() * 40) AS INTEGER) AS actor2,
        CAST(CASE WHEN r_fat < 0.6 THEN 0 ELSE floor(-ln(1 - random()) * 6) END AS INTEGER)
          AS fatalities_best,
        CAST(NULL AS INTEGER) AS fatalities_low, CAST(NULL AS INTEGER) AS fatalities_high,
        CAST(NULL AS INTEGER) AS civilian_fatalities, CAST(NULL AS VARCHAR) AS notes,
        'b' || lpad(CAST(i % {BATCHES} AS VARCHAR), 2, '0') AS batch_id
      FROM base
    ) TO '{out / "events" / "bench-1.parquet"}'
      (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 500000)
    """)
    con.execute(f"""COPY (SELECT 'b' || lpad(CAST(i AS VARCHAR), 2, '0') AS batch_id,
                     'bench' AS source, 0::BIGINT AS rows_replaced FROM range({BATCHES}) t(i))
                    TO '{out / "batches.parquet"}' (FORMAT parquet)""")
    (snap / "CURRENT").write_text(GENERATION)
