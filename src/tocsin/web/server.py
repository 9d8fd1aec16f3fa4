"""Serving the site with waitress, a production WSGI server; static files by WhiteNoise."""

from __future__ import annotations

import typer


def serve(host: str = "127.0.0.1", port: int = 8000, threads: int = 8) -> None:
    """Serve until interrupted (Django set up by ``tocsin.web.setup`` first)."""
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    if not settings.ALLOWED_HOSTS:
        typer.echo("warning: TOCSIN_ALLOWED_HOSTS is empty: every request will be refused",
                   err=True)
    import waitress

    from tocsin.web.wsgi import application

    typer.echo(f"Tocsin ({settings.ENV}) on http://{host}:{port}/  (home: {settings.HOME})")
    waitress.serve(application, host=host, port=port, threads=threads,
                   ident="tocsin", clear_untrusted_proxy_headers=True)
