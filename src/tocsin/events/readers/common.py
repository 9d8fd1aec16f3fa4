"""What the source readers share: the canonical SELECT, staging in chunks, column lookup,
the field-count check and the country join."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from tocsin.events import schema

# The scratch CSV a chunk of csvrows.read_chunks is read from, and DuckDB's record number
# in it: both belong to Tocsin, never to the user's file, and are mapped back below.
_SCRATCH = re.compile(r"read_csv\('((?:[^']|'')*)'")
_ON_LINE = re.compile(r"CSV Error on Line: (\d+)")


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
    """Insert chunks (from csvrows.read_chunks) through `build_sql(names)` into `table`.

    A DuckDB error while reading a chunk is reported against the user's file, at the
    line its record starts on there, never as a line of the scratch file.
    """
    import duckdb

    create_staged(con, table)
    rows = 0
    sql = None
    for names, chunk in chunks:
        if sql is None:
            sql = build_sql(names)
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw AS SELECT * FROM {chunk}")
        try:
            rows += con.execute(f"INSERT INTO {table} {sql}").fetchone()[0]
        except duckdb.Error as exc:
            raise chunk_error(info, chunk, exc) from exc
        finally:
            con.execute("DROP VIEW IF EXISTS raw")
    return rows


def chunk_error(info, chunk: str, exc: Exception):
    """An InputError naming the user's file (and its line when DuckDB names a record)."""
    text = str(exc)
    found, scratch = _ON_LINE.search(text), _SCRATCH.match(chunk)
    line = None
    if found and scratch:
        line = _user_line(Path(scratch.group(1).replace("''", "'")), int(found.group(1)))
    return info.error(f"cannot be read: {_reason(text)}", line)


def _user_line(scratch: Path, record: int) -> int | None:
    """The user's line of the `record`-th row (1-based) of a chunk's scratch CSV: each
    scratch row carries it in its last but one field (_line)."""
    try:
        with open(scratch, encoding="utf-8", newline="") as f:
            for i, row in enumerate(csv.reader(f), start=1):
                if i == record:
                    return int(row[-2])
    except (OSError, ValueError, IndexError, csv.Error):
        pass
    return None


def _reason(text: str) -> str:
    """DuckDB's reason, without its scratch line number, scratch row or scratch path."""
    lines = [t.strip() for t in text.splitlines()]
    reason = lines[0] if lines else ""
    if _ON_LINE.search(reason):
        # CSV Error on Line: N / [Original Line: <scratch row, may span lines>] / <reason> /
        # Possible fixes: ...: the reason is the last line before the fixes.
        end = next((i for i, t in enumerate(lines) if t.startswith("Possible fixes")),
                   len(lines))
        body = [t for t in lines[1:end] if t]
        reason = (body[-1] if body and not body[-1].startswith("Original Line")
                  else "a row could not be split into fields")
    return reason[:300] or "the database could not read it"


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
