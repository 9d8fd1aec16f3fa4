"""Rows with problems in a staged file: finding them, naming their lines, and either
refusing the file (--on-error fail) or setting them aside in a quarantine file
(--on-error quarantine, ``<home>/events/quarantine/<batch>.csv``).

The staged table (``staged``, written by a reader) has the canonical columns plus
``_line`` (the row's line in the file) and ``_problem`` (NULL, or the reasons).
``rejects`` are the lines DuckDB could not split into fields: (line, message).
"""

from __future__ import annotations

from pathlib import Path

from tocsin.errors import InputError, Problem
from tocsin.events import schema
from tocsin.events.sqlparts import q

MAX_REPORTED = 20


def count_problems(con) -> tuple[int, int]:
    """(rows failing a check, ids that repeat among the other rows)."""
    bad = con.execute("SELECT count(*) FROM staged WHERE _problem IS NOT NULL").fetchone()[0]
    repeated = con.execute("SELECT count(*) FROM (SELECT uid FROM staged WHERE _problem IS "
                           "NULL GROUP BY uid HAVING count(*) > 1)").fetchone()[0]
    return bad, repeated


def shift_lines(con, reject_lines: list[int]) -> None:
    """Row numbers count parsed rows only; add back the lines DuckDB could not split."""
    for line in sorted(reject_lines):
        con.execute("UPDATE staged SET _line = _line + 1 WHERE _line >= ?", [line])


def mark_duplicates(con) -> None:
    """Give every repeat of an id, after its first row, a problem."""
    con.execute("""
        UPDATE staged SET _problem = 'duplicate id ' || quote_text(d.source_id) ||
               ' (first on line ' || d.first_line || ')'
        FROM (SELECT _line, source_id, rn, first_line FROM (
                SELECT _line, source_id,
                       row_number() OVER (PARTITION BY uid ORDER BY _line) AS rn,
                       min(_line) OVER (PARTITION BY uid) AS first_line
                FROM staged WHERE _problem IS NULL)
              WHERE rn > 1) d
        WHERE staged._line = d._line""")


def duplicates(con) -> int:
    """The rows marked as repeats of an id."""
    return con.execute(
        "SELECT count(*) FROM staged WHERE _problem LIKE 'duplicate id %'").fetchone()[0]


def refusal(con, path: Path, rejects: list[tuple[int, str]], rows: int, bad: int,
            duplicate: int) -> InputError:
    """The error of --on-error fail: the first problems by line, then the total."""
    name = str(path)
    problems = [Problem(name, msg, line) for line, msg in con.execute(
        f"SELECT _line, _problem FROM staged WHERE _problem IS NOT NULL "
        f"ORDER BY _line LIMIT {MAX_REPORTED}").fetchall()]
    problems += [Problem(name, f"cannot be split into fields: {m}", line)
                 for line, m in rejects[:MAX_REPORTED]]
    problems.sort(key=lambda p: p.line or 0)
    total = bad + len(rejects) + duplicate
    shown = min(total, MAX_REPORTED)
    problems = problems[:MAX_REPORTED]
    problems.append(Problem(name, (
        f"{total} of {rows} rows have problems (first {shown} shown); nothing was "
        "stored. Fix the file, or use --on-error quarantine to store the good rows "
        "and set the bad ones aside")))
    return InputError(problems)


def write(con, path: Path, rejects: list[tuple[int, str]], qfile: Path) -> None:
    """The quarantine file: file, line, reason, and the canonical values as far as they
    could be parsed (none for a line that could not be split)."""
    qfile.parent.mkdir(parents=True, exist_ok=True)
    cols = ", ".join(n for n in schema.NAMES if n != "batch_id")
    con.execute(
        f"COPY (SELECT {q(str(path))} AS file, _line AS line, _problem AS reason, "
        f"{cols} FROM staged WHERE _problem IS NOT NULL "
        + "".join(f" UNION ALL SELECT {q(str(path))}, {int(line)}, "
                  f"{q('cannot be split into fields: ' + m)}, "
                  + ", ".join("NULL" for _ in schema.NAMES[:-1]) for line, m in rejects)
        + f" ORDER BY line) TO {q(str(qfile))} (HEADER, DELIMITER ',')")
