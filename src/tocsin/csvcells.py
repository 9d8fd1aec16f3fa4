"""Cells of CSV files for spreadsheets: text that a spreadsheet would run as a formula
(``=HYPERLINK(...)``, ``@SUM(...)``, ``+cmd|...``) is written with a leading
apostrophe, which spreadsheets show as text, as OWASP advises for CSV injection.

Event texts, evidence and notes come from other people's files and typing; every CSV
Tocsin writes for people (exports of events, evidence, alerts) passes through here.
Numbers stay numbers; only text that starts with a formula character changes.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe(value):
    """``value`` as it may go into a CSV cell."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(row: dict) -> dict:
    return {k: safe(v) for k, v in row.items()}


def sql_safe(column: str) -> str:
    """The same, as a DuckDB SQL expression over a text column (for COPY ... TO csv)."""
    return (f"CASE WHEN regexp_matches({column}, '^[=+\\-@\\t\\r\\n]') "
            f"THEN '''' || {column} ELSE {column} END")
