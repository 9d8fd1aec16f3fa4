"""Configuration from the environment, `tocsin manage`, `tocsin serve`, security headers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tocsin import config as settings_table
from tocsin.web import config

TOCSIN = [sys.executable, "-c", "from tocsin.cli import entry; entry()"]
KEY = "k" * 20 + "Q7x!" * 10


def run(args, home, **env):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
    full.update(TOCSIN_HOME=str(home), **env)
    return subprocess.run([*TOCSIN, *args], env=full, capture_output=True, text=True,
                          timeout=300)


def test_database_urls(tmp_path):
    assert config.database(tmp_path, "")["NAME"] == str(tmp_path / "tocsin.sqlite3")
    assert config.database(tmp_path, "sqlite:////var/x.db")["NAME"] == "/var/x.db"
    assert config.database(tmp_path, "sqlite:///x.db")["NAME"] == "x.db"
    pg = config.database(tmp_path, "postgres://u:p%40ss@db.local:5433/tocsin")
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "django.db.backends.postgresql", "tocsin", "u", "p@ss", "db.local", "5433")
    for bad in ("mysql://x/y", "postgres://u:p@h/", "sqlite://"):
        with pytest.raises(config.ConfigError, match="TOCSIN_DATABASE_URL"):
            config.database(tmp_path, bad)


def test_environment_and_hosts(monkeypatch):
    monkeypatch.setenv("TOCSIN_ENV", "staging")
    with pytest.raises(config.ConfigError, match="TOCSIN_ENV"):
        settings_table.value("TOCSIN_ENV")
    monkeypatch.setenv("TOCSIN_ALLOWED_HOSTS", " a.org, b.org ,")
    assert config.allowed_hosts(True) == ["a.org", "b.org"]
    monkeypatch.delenv("TOCSIN_ALLOWED_HOSTS")
    assert config.allowed_hosts(True) == []
    assert "127.0.0.1" in config.allowed_hosts(False)


def test_development_key_is_generated_once_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("TOCSIN_SECRET_KEY", raising=False)
    key = config.secret_key(tmp_path, production=False)
    assert len(key) >= 50 and config.secret_key(tmp_path, production=False) == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    with pytest.raises(config.ConfigError, match="TOCSIN_SECRET_KEY"):
        config.secret_key(tmp_path / "other", production=True)


@pytest.mark.slow
def test_production_check_deploy_is_clean(tmp_path):
    r = run(["manage", "check", "--deploy", "--fail-level", "WARNING"], tmp_path,
            TOCSIN_ENV="production", TOCSIN_SECRET_KEY=KEY, TOCSIN_ALLOWED_HOSTS="tocsin.example")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues (0 silenced)." in r.stdout


@pytest.mark.slow
def test_production_refuses_without_a_key_and_ignores_debug(tmp_path):
    r = run(["manage", "check"], tmp_path, TOCSIN_ENV="production")
    assert r.returncode == 2 and "TOCSIN_SECRET_KEY: must be set" in r.stderr
    r = run(["manage", "shell", "--no-imports", "-c", "from django.conf import settings as s; "
             "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.PASSWORD_HASHERS[0])"], tmp_path,
            TOCSIN_ENV="production", TOCSIN_SECRET_KEY=KEY, TOCSIN_DEBUG="1")
    assert r.stdout.split() == ["False", "True",
                                "django.contrib.auth.hashers.Argon2PasswordHasher"], r.stderr


@pytest.mark.slow
def test_manage_migrate_and_database_url(tmp_path):
    db = tmp_path / "other.sqlite3"
    r = run(["manage", "migrate", "-v", "0"], tmp_path, TOCSIN_DATABASE_URL=f"sqlite:///{db}")
    assert r.returncode == 0, r.stderr
    assert db.exists() and not (tmp_path / "tocsin.sqlite3").exists()


def test_security_headers_and_cookies(client, world):
    resp = client.get("/accounts/login/")
    csp = resp["Content-Security-Policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'",
                      "frame-ancestors 'none'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert resp["X-Frame-Options"] == "DENY"
    assert resp["X-Content-Type-Options"] == "nosniff"
    resp = client.post("/accounts/login/", {"username": "viewer",
                                            "password": "correct horse battery staple 42"})
    cookie = resp.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"


def test_argon2_is_the_password_hasher():
    from tocsin.web import settings as site_settings

    assert site_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_runs_waitress_and_serves_static_files(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
    proc = subprocess.Popen([*TOCSIN, "serve", "--port", str(port), "--home", str(tmp_path)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        # Wait for the banner: it is printed once migrations ran and just before listening.
        for line in proc.stdout:
            if "Tocsin (development) on" in line:
                break
        else:
            pytest.fail("serve exited before listening")
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):  # until the socket accepts (not a timing assertion)
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                import time

                time.sleep(0.1)
        with urllib.request.urlopen(f"{base}/accounts/login/") as r:
            assert r.status == 200 and r.headers.get("Server") == "tocsin"  # waitress ident
            assert b"Log in" in r.read()
        with urllib.request.urlopen(f"{base}/static/tocsin/htmx-2.0.11.min.js") as r:
            assert r.status == 200 and r.read().startswith(b"var htmx")
        assert (Path(tmp_path) / "tocsin.sqlite3").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
