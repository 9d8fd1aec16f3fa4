"""The site's settings that take more than reading a value: the secret key, the
database entry, the allowed hosts. Values come from ``tocsin.config`` (the one table
of settings); this module turns them into what Django expects, and can be tested
without configuring Django.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tocsin import config
from tocsin.config import ConfigError


def secret_key(home: Path, production: bool) -> str:
    """The key from TOCSIN_SECRET_KEY; in development, one generated once into the home."""
    key = config.value("TOCSIN_SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("TOCSIN_SECRET_KEY", "must be set when TOCSIN_ENV=production "
                          "(50+ random characters, e.g. from `python -c \"import secrets; "
                          "print(secrets.token_urlsafe(50))\"`)")
    path = home / "secret_key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        # Written with mode 0600 from the start: the key signs sessions.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def database(home: Path, url: str | None = None) -> dict:
    """A Django DATABASES entry from TOCSIN_DATABASE_URL (``url`` if given; default:
    SQLite under the home)."""
    url = url if url is not None else config.value("TOCSIN_DATABASE_URL")
    var = "TOCSIN_DATABASE_URL"
    if not url:
        home.mkdir(parents=True, exist_ok=True)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(home / "tocsin.sqlite3"),
                "HOST": "", "PORT": ""}
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # As dj-database-url reads it: sqlite:///relative/path, sqlite:////absolute/path.
        rest = unquote(url.split("://", 1)[1])
        path = rest[1:] if rest.startswith("/") else rest
        if not path:
            raise ConfigError(var, "sqlite:///PATH needs a file path")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path, "HOST": "", "PORT": ""}
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError(var, "postgres://USER:PASSWORD@HOST:PORT/NAME needs a database "
                                   "NAME")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ConfigError(var, f"unsupported scheme {parts.scheme!r} (use sqlite:///PATH or "
                           "postgres://USER:PASSWORD@HOST:PORT/NAME)")


def allowed_hosts(production: bool) -> list[str]:
    raw = config.value("TOCSIN_ALLOWED_HOSTS") or ""
    hosts = [h.strip() for h in raw.split(",") if h.strip()]
    if hosts:
        return hosts
    # Development: the loopback names only. Production without a list refuses all
    # hosts rather than accepting any (Django answers 400), which is the safe failure.
    return [] if production else ["127.0.0.1", "localhost", "[::1]"]


def max_upload_bytes() -> int:
    return int(config.number("TOCSIN_MAX_UPLOAD_MB") * 1024 * 1024)
