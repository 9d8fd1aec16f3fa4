"""``tocsin audit``: the site's audit log from the command line.

``tocsin audit verify`` checks the whole hash chain of the log (``web/audit/chain.py``)
with the audit key of the key file: every entry's number, link and hash, and the head.
Exit 0 when intact; 1 when an entry was edited, deleted or inserted behind Tocsin's back,
naming the first broken entry. JSON: ``{"intact", "entries", "head": {"seq", "hash"},
"first_broken", "problems": [{"id", "seq", "problem"}]}``.
"""

from __future__ import annotations

import sys

import typer

from tocsin.cli.options import Format, FormatOption, HomeOption, emit_json

app = typer.Typer(help="The site's audit log: verify its hash chain.", no_args_is_help=True)


@app.command()
def verify(
    home: HomeOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Check every entry of the audit log against the hash chain; exit 1 and name the
    first broken entry if one was altered, deleted or inserted outside Tocsin."""
    from tocsin.web import setup

    setup(home, migrate=False)
    from django.db import connection

    from tocsin.web.audit.chain import verify as check
    from tocsin.web.audit.models import ChainHead

    if ChainHead._meta.db_table not in connection.introspection.table_names():
        print("the site database has no hash-chained audit log yet: run "
              "`tocsin manage migrate` first", file=sys.stderr)
        raise typer.Exit(2)

    report = check()
    problems = [{"id": f.id, "seq": f.seq, "problem": f.problem} for f in report.findings]
    if fmt is Format.json:
        emit_json({"intact": report.intact, "entries": report.entries,
                   "head": {"seq": report.head_seq, "hash": report.head_hash},
                   "first_broken": problems[0] if problems else None,
                   "problems": problems})
    elif report.intact:
        typer.echo(f"audit log intact: {report.entries} entries; head {report.head_seq} "
                   f"{report.head_hash}")
    else:
        print(f"audit log broken: first at {report.findings[0]}", file=sys.stderr)
        for f in report.findings[1:]:
            print(f"  also {f}", file=sys.stderr)
        print(f"{len(report.findings)} problem(s) in {report.entries} entries",
              file=sys.stderr)
    if not report.intact:
        raise typer.Exit(1)
