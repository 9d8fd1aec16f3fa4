"""What the source readers share: the canonical SELECT, staging in chunks, column lookup,
the field-count check and the country join."""

from __future__ import annotations

from tocsin.events import schema


def select_sql(exprs: dict[str, str], checks: list[str], from_sql: str,
               line: str = "raw._line") -> str:
    """SELECT the canonical columns in schema order, then _line and _problem."""
    from tocsin.events.sqlparts import problems

    missing = [n for n in schema.NAMES if n not in exprs]
    if missing:  # a programming error
        raise ValueError(f"reader gives no expression for {missing}")
    cols = ",\n  ".join(f"CAST({exprs[n]} AS {schema.TYPES[n]}) AS {n}" for n in schema.NAMES)
    return (f"SELECT\n  {cols},\n  {line} AS _line,\n  {problems(checks)} AS _problem\n"
            f"FROM {from_sql}")


def create_staged(con, table: str) -> None:
    cols = ", ".join(f"{n} {t}" for n, t, _ in schema.COLUMNS)
    # A table of the database, not a TEMP one: created inside the ingest transaction it is
    # never visible to anyone else, and unlike a temp table its blocks can go to the
    # database file when a large file does not fit in the memory limit.
    con.execute(f"CREATE OR REPLACE TABLE {table} ({cols}, _line BIGINT, _problem VARCHAR)")


def stage_chunks(con, info, table: str, chunks, build_sql) -> int:
    """Insert chunks (from csvrows.read_chunks) through `build_sql(names)` into `table`."""
    create_staged(con, table)
    rows = 0
    sql = None
    for names, chunk in chunks:
        if sql is None:
            sql = build_sql(names)
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw AS SELECT * FROM {chunk}")
        try:
            rows += con.execute(f"INSERT INTO {table} {sql}").fetchone()[0]
        finally:
            con.execute("DROP VIEW IF EXISTS raw")
    return rows


def col(names: list[str], *candidates: str) -> str:
    """The first of `candidates` that the file has, as a quoted column, else NULL."""
    for c in candidates:
        if c in names:
            return 'raw."' + c.replace('"', '""') + '"'
    return "CAST(NULL AS VARCHAR)"


def field_count_check(width: int) -> str:
    return (f"CASE WHEN raw._nfields <> {width} THEN 'has ' || raw._nfields || "
            f"' fields, the header has {width}' END")


def country_join(alias: str, scheme: str, expr: str) -> str:
    key = f"country_name_key({expr})" if scheme == "name" else expr
    return (f"LEFT JOIN country_codes {alias} ON {alias}.scheme = '{scheme}' "
            f"AND {alias}.code = {key}")
