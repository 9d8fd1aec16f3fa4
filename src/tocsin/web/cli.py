"""``tocsin manage`` and ``tocsin serve``: the site from the command line.

Django is imported inside the commands so that ``tocsin --help`` stays quick.
"""

from __future__ import annotations

import os

import typer

from tocsin.home import HomeOption


def _setup(home) -> None:
    if home:
        os.environ["TOCSIN_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tocsin.web.settings")
    from tocsin.web.config import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def manage(ctx: typer.Context, home: HomeOption = None) -> None:
    """Run a Django management command with Tocsin's settings
    (e.g. `tocsin manage migrate`, `tocsin manage check --deploy`)."""
    _setup(home)
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
    _setup(home)
    serve_site(host, port, threads=threads, migrate=migrate)


def serve_site(host: str = "127.0.0.1", port: int = 8000, threads: int = 8,
               migrate: bool = True) -> None:
    """Serve until interrupted (Django must be set up: see ``_setup``)."""
    from django.conf import settings
    from django.core.management import call_command

    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if not settings.ALLOWED_HOSTS:
        typer.echo("warning: TOCSIN_ALLOWED_HOSTS is empty: every request will be refused",
                   err=True)
    import waitress

    from tocsin.web.wsgi import application

    typer.echo(f"Tocsin ({settings.ENV}) on http://{host}:{port}/  (home: {settings.HOME})")
    waitress.serve(application, host=host, port=port, threads=threads,
                   ident="tocsin", clear_untrusted_proxy_headers=True)


def register(app: typer.Typer) -> None:
    app.command(
        "manage",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                          "help_option_names": []},
        add_help_option=False,
    )(manage)
    app.command("serve")(serve)
