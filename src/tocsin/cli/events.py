"""`tocsin events`: ingest event files, look at the store, export it."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from tocsin import countries
from tocsin.cli.options import Format, FormatOption, HomeOption, emit_json
from tocsin.config import ensure_home
from tocsin.config import home as resolve_home

app = typer.Typer(help="Conflict-event data: ingest ACLED, UCDP GED, GDELT; stats; export.",
                  no_args_is_help=True)


class Source(StrEnum):
    auto = "auto"
    acled = "acled"
    ucdp_ged = "ucdp-ged"
    gdelt1 = "gdelt1"
    gdelt2 = "gdelt2"
    mapped = "mapped"


class OnError(StrEnum):
    fail = "fail"
    quarantine = "quarantine"


class ExportFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


@app.command()
def ingest(
    files: list[Path] = typer.Argument(..., help="Event files (.csv, .CSV, .gz, .zip)."),
    source: Source = typer.Option(Source.auto, "--source", help="Format; auto recognises it."),
    mapping: Path | None = typer.Option(None, "--mapping", help="YAML column mapping "
                                                                "(--source mapped)."),
    on_error: OnError = typer.Option(OnError.fail, "--on-error",
                                     help="fail: bad rows stop the ingest, nothing stored; "
                                          "quarantine: store good rows, set bad ones aside."),
    output: FormatOption = Format.text,
    home: HomeOption = None,
) -> None:
    """Ingest event files into the store, atomically: all files are stored, or none."""
    from tocsin.errors import InputError
    from tocsin.events.ingest import IngestOptions
    from tocsin.events.ingest import ingest as ingest_files

    if source == Source.mapped and mapping is None:
        raise InputError.single("--mapping", "--source mapped needs --mapping FILE.yaml")
    say = (lambda s: None) if output is Format.json else typer.echo
    options = IngestOptions(source=source.value, mapping=mapping, on_error=on_error.value)
    results = ingest_files(ensure_home(home), files, options, echo=say)
    if output is Format.json:
        emit_json({"batches": [r.as_dict() for r in results]})
        return
    for r in results:
        if r.status == "already-ingested":
            typer.echo(f"{r.file}: already ingested (batch {r.batch_id}); nothing stored")
            continue
        enc = "" if r.encoding == "utf-8" else f", read as {r.encoding}"
        typer.echo(f"{r.file}: {r.source} — {r.description}{enc}")
        typer.echo(f"  read {r.rows_read:,}  stored {r.rows_stored:,} (new {r.rows_new:,}, "
                   f"replaced {r.rows_replaced:,})  unchanged {r.rows_unchanged:,}  "
                   f"duplicates {r.rows_duplicate:,}  rejected {r.rows_rejected:,}  "
                   f"[batch {r.batch_id}, {r.seconds:.1f} s]")
        for note in r.notes:
            typer.echo(f"  note: {note}")
        if r.quarantine_file:
            typer.echo(f"  bad rows with reasons: {r.quarantine_file}")


@app.command()
def stats(
    country: str | None = typer.Option(None, "--country", help="ISO3 code, e.g. SDN."),
    output: FormatOption = Format.text,
    home: HomeOption = None,
) -> None:
    """Counts of stored events by source, country, class and year."""
    from tocsin.events import stats as stats_mod

    if country is not None:
        country = countries.check(country, "--country")
    data = stats_mod.compute(resolve_home(home), country)
    if output is Format.json:
        emit_json(data)
    else:
        typer.echo(stats_mod.render(data))


@app.command()
def export(
    fmt: ExportFormat = typer.Option(..., "--format", help="parquet or csv."),
    out: Path = typer.Option(..., "-o", "--output", help="Output file."),
    country: str | None = typer.Option(None, "--country", help="Only this ISO3 country."),
    home: HomeOption = None,
) -> None:
    """Write the stored events (canonical schema, sorted by uid) to Parquet or CSV."""
    from tocsin.csvcells import sql_safe
    from tocsin.events import store

    def ident(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    con = store.connect_reader(resolve_home(home))
    try:
        where = ""
        params: list = []
        if country:
            where, params = "WHERE country = ?", [countries.check(country, "--country")]
        n = con.execute(f"SELECT count(*) FROM events {where}", params).fetchone()[0]
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        opts = "FORMAT parquet, COMPRESSION zstd" if fmt == ExportFormat.parquet else \
            "FORMAT csv, HEADER"
        columns = "*"
        if fmt != ExportFormat.parquet:
            # For spreadsheets: a text cell that starts like a formula (=HYPERLINK(...),
            # @SUM(...)) gets a leading apostrophe (tocsin.csvcells); Parquet keeps data.
            types = [r[:2] for r in con.execute("DESCRIBE SELECT * FROM events").fetchall()]
            columns = ", ".join(
                f"{sql_safe(ident(c))} AS {ident(c)}" if t == "VARCHAR" else ident(c)
                for c, t in types)
        target = "'" + str(tmp).replace("'", "''") + "'"
        sql = f"COPY (SELECT {columns} FROM events {where} ORDER BY uid) TO {target} ({opts})"
        if params:
            sql = sql.replace("?", "'" + params[0].replace("'", "''") + "'")
        con.execute(sql)
        tmp.replace(out)  # never a half-written output file
    finally:
        con.close()
    typer.echo(f"wrote {n:,} events to {out}")


@app.command()
def batches(
    output: FormatOption = Format.text,
    home: HomeOption = None,
) -> None:
    """The ingest manifest: one line per stored batch (file hash, counts, time)."""
    from tocsin.events import store

    rows = store.manifest(resolve_home(home))
    if output is Format.json:
        emit_json({"batches": rows})
        return
    typer.echo(f"{'batch':32} {'source':9} {'read':>9} {'stored':>9} {'rejected':>8}  file")
    for r in rows:
        typer.echo(f"{r['batch_id']:32} {r['source']:9} {r['rows_read']:>9,} "
                   f"{r['rows_stored']:>9,} {r['rows_rejected']:>8,}  {r['file']}")
