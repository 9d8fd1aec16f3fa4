"""HTTP of the feeds, against a local server: retries with exponential backoff and
jitter, Retry-After, what is not retried, credentials never sent on a redirect nor
written in a message."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tocsin.monitor.config import RetryPolicy
from tocsin.monitor.fetch import AuthError, FetchError, Http, NotFound, Stopped


@pytest.fixture
def server():
    """Answers each path from a script: a list of (status, headers, body), one per request
    (the last one repeats); records what it was asked."""
    script: dict[str, list] = {}
    seen: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            steps = script.get(self.path.split("?")[0], [(404, {}, b"no")])
            status, headers, body = steps.pop(0) if len(steps) > 1 else steps[0]
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}", script, seen
    httpd.shutdown()
    httpd.server_close()


def _http(waits: list, **policy) -> Http:
    return Http(retry=RetryPolicy(**{"backoff": 1, "max_backoff": 10, "jitter": 0,
                                     "timeout": 5, **policy}),
                sleep=waits.append, rand=lambda: 1.0)


def test_5xx_is_retried_with_doubling_waits_then_succeeds(server):
    base, script, seen = server
    script["/a"] = [(503, {}, b""), (500, {}, b""), (502, {}, b""), (200, {}, b"ok")]
    waits: list[float] = []
    assert _http(waits, attempts=4).get(base + "/a").body == b"ok"
    assert len(seen) == 4 and sum(waits) == pytest.approx(1 + 2 + 4)


def test_jitter_spreads_the_wait_and_the_cap_bounds_it(server):
    base, script, _ = server
    for r, expected in ((0.0, 0.5 + 1.0), (1.0, 1.5 + 3.0)):
        script["/a"] = [(500, {}, b""), (500, {}, b""), (200, {}, b"ok")]
        waits: list[float] = []
        http = _http(waits, attempts=3, jitter=0.5)
        http.rand = lambda r=r: r
        http.get(base + "/a")
        assert sum(waits) == pytest.approx(expected)  # 1 s then 2 s, each -+50%
    script["/a"] = [(500, {}, b""), (500, {}, b""), (500, {}, b""), (200, {}, b"ok")]
    waits = []
    _http(waits, attempts=4, backoff=10, max_backoff=3).get(base + "/a")
    assert sum(waits) == pytest.approx(9)  # three waits, each capped at 3 s


def test_429_waits_as_long_as_retry_after_says_within_the_cap(server):
    base, script, _ = server
    script["/a"] = [(429, {"Retry-After": "2"}, b"slow down"), (200, {}, b"ok")]
    waits: list[float] = []
    assert _http(waits).get(base + "/a").body == b"ok"
    assert sum(waits) == pytest.approx(2)
    script["/a"] = [(429, {"Retry-After": "3600"}, b""), (200, {}, b"ok")]
    waits = []
    _http(waits, max_backoff=5).get(base + "/a")
    assert sum(waits) == pytest.approx(5)


def test_other_4xx_are_not_retried(server):
    base, script, seen = server
    script["/gone"] = [(404, {}, b"no such version")]
    script["/auth"] = [(401, {}, b"token expired")]
    script["/bad"] = [(400, {}, b"bad filter")]
    waits: list[float] = []
    http = _http(waits, attempts=5)
    with pytest.raises(NotFound):
        http.get(base + "/gone")
    with pytest.raises(AuthError, match="HTTP 401.*token expired"):
        http.get(base + "/auth")
    with pytest.raises(FetchError, match="HTTP 400") as exc:
        http.get(base + "/bad")
    assert not exc.value.transient and len(seen) == 3 and waits == []


def test_a_lasting_failure_gives_up_after_the_attempts(server):
    base, script, seen = server
    script["/a"] = [(500, {}, b"")]
    waits: list[float] = []
    with pytest.raises(FetchError, match="HTTP 500"):
        _http(waits, attempts=3).get(base + "/a")
    assert len(seen) == 3 and len(waits) > 0


def test_a_token_is_never_sent_on_a_redirect_nor_shown_in_a_message(server):
    base, script, seen = server
    secret = "s3cret-token-value"
    script["/api"] = [(302, {"Location": base + "/elsewhere"}, b"")]
    script["/elsewhere"] = [(403, {}, f"refused {secret}".encode())]
    http = _http([])
    with pytest.raises(AuthError) as exc:
        http.get(base + "/api", secret_headers={"x-ucdp-access-token": secret})
    assert seen[0][1]["x-ucdp-access-token"] == secret
    assert "x-ucdp-access-token" not in seen[1][1]  # not carried to where it pointed
    assert secret not in str(exc.value) and "***" in str(exc.value)


def test_a_download_is_renamed_only_when_its_size_and_md5_match(server, tmp_path):
    import hashlib

    base, script, _ = server
    data = b"x" * 5000
    script["/f.zip"] = [(200, {}, data)]
    http = _http([], attempts=2)
    dest = tmp_path / "f.zip"
    assert http.download(base + "/f.zip", dest, 5000, hashlib.md5(data).hexdigest()) == dest
    assert dest.read_bytes() == data
    dest.unlink()
    with pytest.raises(FetchError, match="MD5"):
        http.download(base + "/f.zip", dest, 5000, "0" * 32)
    with pytest.raises(FetchError, match="announces 5,000 bytes, the list 4,999"):
        http.download(base + "/f.zip", dest, 4999, None)
    assert list(tmp_path.iterdir()) == []  # no file, not even a .part


def test_a_stop_interrupts_a_wait(server):
    base, script, seen = server
    script["/a"] = [(500, {}, b"")]
    asked = []
    http = _http([], attempts=5, backoff=100)
    http.stop = lambda: bool(asked.append(1)) or len(seen) >= 1 and len(asked) > 3
    with pytest.raises(Stopped):
        http.get(base + "/a")
    assert len(seen) == 1
