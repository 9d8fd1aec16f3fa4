"""What every command shares: ``--home``, ``--format``, the JSON emitter, and the way a
check reports its findings.

``--format`` is ``text`` (for people) or ``json`` (stable keys, documented per area);
``table``, the spelling some commands used first, is accepted for ``text`` so that
scripts written against it keep working.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from tocsin import config
from tocsin.errors import Problem


class Format(StrEnum):
    text = "text"
    json = "json"


ALIASES = {"table": Format.text}


def _format(value: str | Format) -> Format:
    if isinstance(value, Format):
        return value
    text = str(value).strip().lower()
    if text in ALIASES:
        return ALIASES[text]
    try:
        return Format(text)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not one of text, json") from None


FormatOption = Annotated[
    Format,
    typer.Option("--format", parser=_format, metavar="[text|json]",
                 help="text for people, json for programs (stable keys)"),
]

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help=f"State directory (default: ${config.HOME_ENV}, else "
                                "~/.tocsin).", show_default=False),
]


def emit_json(data: Any) -> None:
    """Print ``data`` as the indented JSON every command writes (dates as ISO strings)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def report_findings(problems: list[Problem], fmt: Format, doc: dict | None = None,
                    valid_lines: list[str] = (), label: str = "") -> None:
    """How every ``validate`` command ends. JSON: ``doc`` with ``valid`` and ``problems``
    added. Text: each problem, then ``LABEL: invalid, N problem(s)`` (to stderr), or the
    lines saying what was found valid (to stdout). Exit 1 if there are problems: a
    finding the user asked for, not an error."""
    if fmt is Format.json:
        emit_json({"valid": not problems, **(doc or {}),
                   "problems": [p.as_dict() for p in problems]})
    else:
        for line in valid_lines:
            typer.echo(line)
        for problem in problems:
            print(f"{problem}", file=sys.stderr)
        if problems:
            print(f"{label + ': ' if label else ''}invalid, {len(problems)} problem(s)",
                  file=sys.stderr)
    if problems:
        raise typer.Exit(1)
