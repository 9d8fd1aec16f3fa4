"""``tocsin backup`` and ``tocsin restore``: a verified copy of a whole home."""

from __future__ import annotations

from pathlib import Path

import typer

from tocsin.cli.options import Format, FormatOption, HomeOption, emit_json
from tocsin.errors import InputError, Problem


def backup(
    output: Path = typer.Option(..., "-o", "--output", help="Archive to write (.tar.gz)."),
    home: HomeOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Copy the site's database, the uploads, the event store and the signals, and the
    home's configuration into one archive, consistently, with a SHA-256 of every file."""
    from tocsin.web import setup

    if not output.name.endswith(".tar.gz"):
        raise InputError(Problem(str(output), "expected an archive name ending in .tar.gz"))
    if not output.parent.is_dir():
        raise InputError(Problem(str(output), f"folder {output.parent} does not exist"))
    home = setup(home)
    from tocsin.web import backup as archive

    manifest = archive.backup(home, output)
    if fmt is Format.json:
        emit_json({"archive": str(output), **manifest})
    else:
        typer.echo(f"wrote {output}: {archive.summary(manifest)}")


def restore(
    archive_file: Path = typer.Argument(..., metavar="ARCHIVE", help="From `tocsin backup`."),
    check: bool = typer.Option(False, "--check", help="Only verify the archive; change "
                                                      "nothing."),
    force: bool = typer.Option(False, "--force", help="Replace a home that holds a site."),
    home: HomeOption = None,
) -> None:
    """Verify an archive and restore it into a home (a new one unless --force), then
    bring its database up to date. Exit 2 if any file differs from the manifest."""
    from tocsin import config
    from tocsin.web import backup as archive

    if not archive_file.is_file():
        raise InputError(Problem(str(archive_file), "file not found"))
    if check:
        manifest = archive.verify(archive_file)
        typer.echo(f"{archive_file}: intact: {archive.summary(manifest)}")
        return
    home = config.ensure_home(home)
    manifest = archive.restore(archive_file, home, force=force)
    from tocsin.web import setup

    setup(home)
    typer.echo(f"restored {archive_file} into {home}: {archive.summary(manifest)}")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
