"""``tocsin serve`` as deployed: behind a TLS-terminating proxy, and under idle
connections (the attacks of issue 16, each performed against a real server)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow  # real processes: a site, migrations, ingests

TOCSIN = [sys.executable, "-c", "from tocsin.cli import entry; entry()"]
KEY = "k" * 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve(tmp_path):
    procs = []

    def start(**env):
        port = free_port()
        full = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
        full.update(TOCSIN_HOME=str(tmp_path / "home"), **env)
        p = subprocess.Popen([*TOCSIN, "serve", "--port", str(port)], env=full,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        procs.append(p)
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return port
            except OSError:
                if p.poll() is not None:
                    raise AssertionError(p.stdout.read()) from None
                time.sleep(0.1)
        raise AssertionError("the site did not start")

    yield start
    for p in procs:
        p.terminate()
        p.wait(timeout=30)


def get(port, path="/accounts/login/", **headers):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    r = c.getresponse()
    r.read()
    c.close()
    return r


PRODUCTION = {"TOCSIN_ENV": "production", "TOCSIN_SECRET_KEY": KEY,
              "TOCSIN_ALLOWED_HOSTS": "127.0.0.1", "TOCSIN_BEHIND_PROXY": "1"}


def test_behind_a_tls_proxy_https_requests_are_served_not_redirected(serve):
    port = serve(**PRODUCTION)
    assert get(port, **{"X-Forwarded-Proto": "https"}).status == 200
    plain = get(port)  # the proxy forwarded a plain-HTTP request: send it to https
    assert plain.status == 301 and plain.getheader("Location").startswith("https://")


def test_forwarded_headers_from_anyone_but_the_proxy_are_not_believed(serve):
    port = serve(**PRODUCTION, TOCSIN_TRUSTED_PROXY="10.255.255.1")
    r = get(port, **{"X-Forwarded-Proto": "https"})
    assert r.status == 301  # the header came from 127.0.0.1, which is not the proxy


def test_idle_connections_neither_block_the_site_nor_stay_open(serve):
    port = serve(TOCSIN_IDLE_SECONDS="2")
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(150)]
    try:
        assert get(port).status == 200  # 150 idle clients: the site still answers
        idle[0].settimeout(15)
        assert idle[0].recv(1) == b""  # and the server hangs up on an idle one
    finally:
        for s in idle:
            s.close()
