"""Serving the site with waitress, a production WSGI server; static files by WhiteNoise.

Waitress hears the client (or the reverse proxy) directly, so it is where connections
are bounded: an idle connection is closed after TOCSIN_IDLE_SECONDS, and up to
``CONNECTIONS`` are served at once (poll, not select, so more than 1,024 sockets
work). Limiting connections per client is the reverse proxy's part (docs/site.md).

Behind a proxy (TOCSIN_BEHIND_PROXY), waitress believes ``X-Forwarded-Proto`` and
``X-Forwarded-For`` from TOCSIN_TRUSTED_PROXY only and strips them from anyone else:
the site then knows a request came over HTTPS, and from which client address (login
throttling and the audit log use it).
"""

from __future__ import annotations

import typer

from tocsin import config

CONNECTIONS = 1000
FORWARDED = {"x-forwarded-proto", "x-forwarded-for"}


def options(threads: int = 8) -> dict:
    """waitress.serve's keyword arguments for the configured deployment."""
    idle = max(1, int(config.number("TOCSIN_IDLE_SECONDS")))
    out = {"threads": threads, "ident": "tocsin", "clear_untrusted_proxy_headers": True,
           "connection_limit": CONNECTIONS, "asyncore_use_poll": True,
           # Idle connections are looked for every cleanup_interval (30 s by default).
           "channel_timeout": idle, "cleanup_interval": max(1, idle // 2)}
    if config.flag("TOCSIN_BEHIND_PROXY"):
        out.update(trusted_proxy=config.value("TOCSIN_TRUSTED_PROXY"),
                   trusted_proxy_headers=set(FORWARDED), trusted_proxy_count=1)
    return out


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
    waitress.serve(application, host=host, port=port, **options(threads))
