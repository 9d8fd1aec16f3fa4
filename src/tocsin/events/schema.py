"""The canonical event schema: one row per event, whatever the source.

Documented in docs/events.md; the order here is the order of the stored table
and of exports. Types are DuckDB types; `arrow_schema()` and `ibis_schema()` give the same as Arrow
and Ibis.
"""

from __future__ import annotations

# (name, DuckDB type, meaning)
COLUMNS: list[tuple[str, str, str]] = [
    ("uid", "VARCHAR", "stable event id: '<source>:<source_id>'"),
    ("source", "VARCHAR", "acled | ucdp-ged | gdelt1 | gdelt2 | the mapping's source name"),
    ("source_id", "VARCHAR", "the source's own event id"),
    ("source_version", "BIGINT", "version of the record at the source (ACLED timestamp, "
                                 "GDELT DATEADDED); a higher version replaces a lower one"),
    ("event_date", "DATE", "day the event happened (UCDP: date_start)"),
    ("date_end", "DATE", "last day of the event (UCDP date_end; else = event_date)"),
    ("date_precision", "SMALLINT", "1 exact day ... larger is vaguer (source's own scale)"),
    ("country", "VARCHAR", "ISO 3166-1 alpha-3 (XKX for Kosovo); NULL when the source gives none"),
    ("admin1", "VARCHAR", "first-order administrative unit"),
    ("admin2", "VARCHAR", "second-order administrative unit"),
    ("place", "VARCHAR", "place name"),
    ("latitude", "DOUBLE", "WGS84 degrees"),
    ("longitude", "DOUBLE", "WGS84 degrees"),
    ("geo_precision", "SMALLINT", "source's own scale; 1 = exact place"),
    ("event_class", "VARCHAR", "canonical class (taxonomy.yaml)"),
    ("source_type", "VARCHAR", "the raw type: ACLED 'event_type: sub_event_type', CAMEO code, "
                               "UCDP type_of_violence"),
    ("actor1", "VARCHAR", "first actor / side A / source actor"),
    ("actor2", "VARCHAR", "second actor / side B / target actor"),
    ("fatalities_best", "INTEGER", "best estimate of deaths (NULL when the source has none)"),
    ("fatalities_low", "INTEGER", "low estimate (UCDP)"),
    ("fatalities_high", "INTEGER", "high estimate (UCDP)"),
    ("civilian_fatalities", "INTEGER", "civilians killed (UCDP deaths_civilians)"),
    ("notes", "VARCHAR", "source notes (ACLED notes, UCDP headline, GDELT source URL)"),
    ("batch_id", "VARCHAR", "the ingest batch that stored this version"),
]

NAMES = [c[0] for c in COLUMNS]
TYPES = {c[0]: c[1] for c in COLUMNS}

# Columns compared to decide whether a re-delivered event actually changed.
CONTENT = [n for n in NAMES if n not in ("uid", "batch_id")]


def ddl(table: str = "events") -> str:
    cols = ",\n  ".join(f"{name} {typ}" for name, typ, _ in COLUMNS)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {cols}\n)"


def ibis_schema():
    """The schema as an Ibis schema (for expressions over an unbound events table)."""
    import ibis

    m = {"VARCHAR": "string", "BIGINT": "int64", "DATE": "date", "SMALLINT": "int16",
         "DOUBLE": "float64", "INTEGER": "int32"}
    return ibis.schema({n: m[t] for n, t, _ in COLUMNS})


def arrow_schema():
    import pyarrow as pa

    m = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DATE": pa.date32(),
         "SMALLINT": pa.int16(), "DOUBLE": pa.float64(), "INTEGER": pa.int32()}
    return pa.schema([(n, m[t]) for n, t, _ in COLUMNS])
