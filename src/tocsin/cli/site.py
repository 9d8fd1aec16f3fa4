"""``tocsin manage`` and ``tocsin serve``: the site from the command line.

Django is imported inside the commands so that ``tocsin --help`` stays quick.
"""

from __future__ import annotations

import typer

from tocsin.cli.options import HomeOption


def manage(ctx: typer.Context, home: HomeOption = None) -> None:
    """Run a Django management command with Tocsin's settings
    (e.g. `tocsin manage migrate`, `tocsin manage check --deploy`)."""
    from tocsin.web import setup

    setup(home, migrate=False)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tocsin manage", *ctx.args])


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    threads: int = typer.Option(8, "--threads", help="Worker threads."),
    migrate: bool = typer.Option(True, "--migrate/--no-migrate",
                                 help="Apply database migrations first."),
    home: HomeOption = None,
) -> None:
    """Serve the site with waitress (a production WSGI server); static files by WhiteNoise."""
    from tocsin.web import server, setup

    setup(home, migrate=migrate)
    server.serve(host, port, threads=threads)


def register(app: typer.Typer) -> None:
    app.command(
        "manage",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                          "help_option_names": []},
        add_help_option=False,
    )(manage)
    app.command("serve")(serve)
