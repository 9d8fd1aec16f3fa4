"""A real site for the tests that attack it as a client would: ``tocsin serve`` (waitress,
its worker threads, a SQLite file) in a subprocess on a home of its own, so that
concurrent requests really run at once and nothing is shared with the test database.

``in_site(home, code)`` runs Python in that site (Django set up, the database migrated)
and returns what it printed; ``Site`` starts and stops the server.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

TOCSIN = [sys.executable, "-c", "from tocsin.cli import entry; entry()"]


def environment(home: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
    env.update(TOCSIN_HOME=str(home), **extra)
    return env


def in_site(home: Path, code: str, **env) -> str:
    """Run ``code`` with the site of ``home`` set up; its standard output."""
    script = f"from tocsin.web import setup\nsetup({str(home)!r})\n{code}"
    r = subprocess.run([sys.executable, "-c", script], env=environment(home, **env),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    """``with Site(home) as site:`` serves ``home`` at ``site.base``; ``site.output`` is
    what the server printed (its log), complete once the block has ended."""

    def __init__(self, home: Path, threads: int = 8, **env):
        self.home, self.threads, self.env = home, threads, env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.output = ""

    def __enter__(self) -> Site:
        self.log = open(self.home / "serve.log", "w+")  # noqa: SIM115 (closed in __exit__)
        self.proc = subprocess.Popen(
            [*TOCSIN, "serve", "--port", str(self.port), "--threads", str(self.threads),
             "--home", str(self.home)], env=environment(self.home, **self.env),
            stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 120  # migrations and collectstatic come first
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("tocsin serve exited:\n" + Path(self.log.name).read_text())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("tocsin serve did not listen")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()
        self.output = Path(self.log.name).read_text()


def csrf_token(html: str) -> str:
    m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


class Browser:
    """One visitor of a live site: its own cookies, redirects not followed (standard
    library only). ``get``/``post`` return (status, body)."""

    def __init__(self, base: str):
        import http.cookiejar
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect())

    def _open(self, req) -> tuple[int, str]:
        import urllib.error

        try:
            with self.opener.open(req, timeout=120) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")

    def get(self, path: str) -> tuple[int, str]:
        import urllib.request

        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> tuple[int, str]:
        import urllib.parse
        import urllib.request

        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, headers={
            "Referer": self.base + path, "Content-Type": "application/x-www-form-urlencoded"}))
