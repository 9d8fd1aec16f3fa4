"""The ``tocsin`` command: an edge over the core, like the site.

One module per area (``framework``, ``assess``, ``events``, ``warn``, ``forecast``,
``site``, ``demo``), each a Typer app of thin commands that read options, call the
core and print; what they share (``--home``, ``--format``, the JSON emitter, the way a
check reports) is in ``options``. This module joins them and turns bad input into the
exit codes of the contract: 0 success, 1 a finding the user asked to be told about,
2 bad input or usage (one ``error: ...`` line per problem). Heavy libraries are
imported inside commands so that ``tocsin --help`` is quick.
"""

from __future__ import annotations

import sys

import typer

from tocsin import __version__
from tocsin.cli import assess, audit, backup, events, forecast, framework, monitor, site, warn
from tocsin.cli.options import HomeOption
from tocsin.config import private_files
from tocsin.errors import InputError

app = typer.Typer(
    name="tocsin",
    help="Tocsin: national assessment of risk and resilience to atrocity crimes, "
    "and early warning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tocsin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    pass


app.add_typer(framework.app, name="framework")
app.add_typer(assess.app, name="assess")
app.add_typer(events.app, name="events")
app.add_typer(warn.app, name="warn")
app.add_typer(forecast.app, name="forecast")
app.add_typer(monitor.app, name="monitor")
app.add_typer(audit.app, name="audit")
site.register(app)
backup.register(app)


@app.command()
def demo(
    home: HomeOption = None,
    host: str = typer.Option("127.0.0.1", help="address the site listens on"),
    port: int = typer.Option(8000, help="port the site listens on"),
    serve: bool = typer.Option(True, help="start the site at the end"),
) -> None:
    """Tour Tocsin on the real data bundled with it."""
    from tocsin.cli.demo import run_demo

    run_demo(home, host, port, serve, run=main)


def report_problems(exc: InputError) -> None:
    for problem in exc.problems:
        print(f"error: {problem}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code instead of exiting (tests call this)."""
    private_files()
    try:
        app(args=argv, prog_name="tocsin", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    except InputError as exc:
        report_problems(exc)
        return 2
    return 0


def entry() -> None:
    sys.exit(main())
