"""Reading a delimited text file with a header into Arrow chunks of text columns.

Used for ACLED, UCDP GED and mapped CSV: these files have quoted fields with
line breaks inside (UCDP source articles, ACLED notes), so a real CSV parser is
needed, and each record keeps the line it starts on for error messages.
Values are kept as text; readers parse them in SQL.

Each chunk is handed to DuckDB as a scratch CSV that it reads with a fixed
dialect (every field quoted, no sniffing). Not Arrow: building Arrow arrays
from Python lists imports pandas, seconds of start-up on every ingest.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tocsin.events.files import InputFile, check_encoding

CHUNK_ROWS = 100_000
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def column_names(header: list[str]) -> list[str]:
    """Lower-case, stripped names; blank or repeated names get a position suffix."""
    out: list[str] = []
    for i, raw in enumerate(header):
        name = raw.strip().lower().lstrip("\ufeff") or f"_blank{i}"
        if name in out:
            name = f"{name}_{i}"
        out.append(name)
    return out


def read_chunks(info: InputFile, delimiter: str = ",", na: tuple[str, ...] = ()
                ) -> Iterator[tuple[list[str], str]]:
    """Yield (column names, SQL of a relation) chunks, each with `_line` and `_nfields` columns."""
    check_encoding(info)
    scratch = Path(info.workdir or tempfile.gettempdir())
    scratch.mkdir(parents=True, exist_ok=True)
    na_set = set(na)
    with info.open_text() as f:
        reader = csv.reader(f, delimiter=delimiter, strict=False)
        header: list[str] | None = None
        names: list[str] = []
        cols: list[list[str | None]] = []
        lines: list[int] = []
        nfields: list[int] = []
        prev_end = 0
        rows = 0
        try:
            for record in reader:
                start, prev_end = prev_end + 1, reader.line_num
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue  # blank line
                if header is None:
                    header = record
                    names = column_names(header)
                    cols = [[] for _ in names]
                    continue
                width = len(names)
                for j in range(width):
                    v = record[j].strip() if j < len(record) else None
                    cols[j].append(None if v == "" or v in na_set else v)
                lines.append(start)
                nfields.append(len(record))
                rows += 1
                if len(lines) >= CHUNK_ROWS:
                    yield names, _chunk(scratch, names, cols, lines, nfields)
                    cols = [[] for _ in names]
                    lines, nfields = [], []
        except csv.Error as exc:
            raise info.error(f"is not readable as CSV: {exc}", reader.line_num) from exc
        except UnicodeDecodeError as exc:  # pragma: no cover - check_encoding ran first
            raise info.error(f"cannot be decoded as {info.encoding}") from exc
        if header is None:
            raise info.error("has no header line")
        if rows == 0:
            raise info.error("has a header but no data rows", 1)
        if lines:
            yield names, _chunk(scratch, names, cols, lines, nfields)


def _chunk(scratch: Path, names, cols, lines, nfields) -> str:
    fd, name = tempfile.mkstemp(prefix="chunk-", suffix=".csv", dir=scratch)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for i in range(len(lines)):
            w.writerow([c[i] for c in cols] + [lines[i], nfields[i]])
    spec = ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in names)
    spec += ", '_line': 'BIGINT', '_nfields': 'INTEGER'"
    # Python wrote None as "": an empty text, which the readers treat as missing.
    return (f"read_csv({_lit(name)}, header=false, delim=',', quote='\"', escape='\"', "
            f"auto_detect=false, columns={{{spec}}}, max_line_size=100000000)")


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"
