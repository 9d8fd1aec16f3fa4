"""SQL fragments shared by the readers: parsing, range checks, problem text.

Readers turn raw text columns into canonical columns in DuckDB SQL, so a large
file is parsed and checked in one vectorised pass. Each check yields a reason
string or NULL; `problems()` joins them into the `_problem` column.
"""

from __future__ import annotations


def q(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def text(col: str) -> str:
    """Trimmed text, empty as NULL."""
    return f"nullif(trim({col}), '')"


def num(col: str) -> str:
    return f"TRY_CAST({text(col)} AS DOUBLE)"


def whole(col: str) -> str:
    """A whole non-negative number as INTEGER, else NULL."""
    return (f"CASE WHEN {num(col)} >= 0 AND {num(col)} = floor({num(col)}) "
            f"AND {num(col)} < 2147483647 THEN CAST({num(col)} AS INTEGER) END")


def check_whole(col: str, label: str) -> str:
    return (f"CASE WHEN {text(col)} IS NOT NULL AND ({whole(col)}) IS NULL THEN "
            f"{q(label + ' ')} || quote_text({col}) || ' is not a whole number >= 0' END")


def check_coord(col: str, label: str, limit: int) -> str:
    return (f"CASE WHEN {text(col)} IS NOT NULL AND ({num(col)} IS NULL OR abs({num(col)}) > "
            f"{limit}) THEN {q(label + ' ')} || quote_text({col}) || "
            f"' is not a number between -{limit} and {limit}' END")


def date_any(col: str, formats: list[str]) -> str:
    fmts = "[" + ", ".join(q(f) for f in formats) + "]"
    return f"CAST(try_strptime({text(col)}, {fmts}) AS DATE)"


def problems(checks: list[str]) -> str:
    return "nullif(concat_ws('; ', " + ", ".join(checks) + "), '')"


MACROS = [
    # A value quoted for a message, shortened so one bad cell cannot flood stderr.
    "CREATE OR REPLACE TEMP MACRO quote_text(s) AS "
    "'''' || CASE WHEN length(s) > 40 THEN left(s, 40) || '...' ELSE coalesce(s, '') END || ''''",
]


def register(con) -> None:
    for m in MACROS:
        con.execute(m)


def create_table(con, name: str, columns: dict[str, list]) -> None:
    """A small temp lookup table from Python lists, in plain SQL.

    Plain SQL rather than an Arrow table: registering the first Arrow table
    costs seconds of imports, which every ingest would pay.
    """
    names = list(columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({', '.join(n + ' VARCHAR' for n in names)})")
    rows = list(zip(*columns.values(), strict=True))
    for i in range(0, len(rows), 500):
        values = ", ".join("(" + ", ".join("NULL" if v is None else q(str(v)) for v in row) + ")"
                           for row in rows[i:i + 500])
        con.execute(f"INSERT INTO {name} VALUES {values}")
