"""HTTP for the feeds: time-outs, retries with exponential backoff and jitter, 429 and 5xx,
downloads to a temporary file that is verified before anyone reads it.

- Every request has a time-out (``timeout``: to connect, and between bytes received).
- A failure that may pass (a time-out, a reset or refused connection, a truncated body,
  HTTP 429 or 5xx, a body that is not the JSON it should be, a download whose size or
  MD5 is wrong) is tried again, ``attempts`` times in all, after ``backoff`` seconds
  doubling each time up to ``max_backoff``, each wait randomised by +-``jitter`` so that
  many monitors do not hammer a source in step. ``Retry-After`` is honoured (capped).
- Any other 4xx is not retried: 401 and 403 raise ``AuthError`` (the caller may log in
  again), 404 ``NotFound``, the rest ``FetchError``.
- ``download`` writes to ``<dest>.part`` and renames it to ``dest`` only when the byte
  count (the ``Content-Length`` and the size expected) and the MD5 match: a file under
  its final name is always complete. A killed process leaves at most a ``.part``, which
  the next run removes.
- Credentials go in headers that are never forwarded on a redirect
  (``add_unredirected_header``), and every message this module makes has the secrets it
  was given scrubbed out, so no log line or status file can hold a token.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.client
import json
import logging
import os
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tocsin.monitor.config import RetryPolicy

log = logging.getLogger("tocsin.monitor")
CHUNK = 1024 * 1024
SMALL = 64 * 2**20  # largest page or list read into memory
_waiting = [0]  # > 0 while this process waits on the network (a signal may cut that short)


def waiting_on_network() -> bool:
    """True while a request waits to connect or for bytes: a stop asked for then need not
    wait for the time-out (nothing is half-written at that moment; the ``.part`` file
    of a download is removed on the way out)."""
    return _waiting[0] > 0


@contextlib.contextmanager
def _network():
    _waiting[0] += 1
    try:
        yield
    finally:
        _waiting[0] -= 1


class FetchError(Exception):
    """A request that failed; ``transient`` if trying again later may help."""

    def __init__(self, message: str, status: int | None = None, transient: bool = True):
        super().__init__(message)
        self.status = status
        self.transient = transient


class AuthError(FetchError):
    """401 or 403: the credentials were refused (or the token has expired)."""


class NotFound(FetchError):
    """404: no such file, page or version (yet)."""


class TooLarge(FetchError):
    """The answer is larger than the caller allows."""


class Stopped(Exception):
    """The monitor was asked to stop (SIGTERM): the work in hand is abandoned cleanly."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def user_agent() -> str:
    from tocsin import __version__, config

    return config.value("TOCSIN_MONITOR_USER_AGENT") or f"tocsin/{__version__} (monitor)"


@dataclass
class Http:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    secrets: list[str] = field(default_factory=list)
    stop: Callable[[], bool] = lambda: False
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random
    requests: int = 0  # requests made (each try counts)

    # --- what the feeds call -------------------------------------------------------------

    def get(self, url: str, params: dict | None = None, headers: dict | None = None,
            secret_headers: dict | None = None, max_bytes: int = SMALL) -> Response:
        return self._retrying(lambda: self._once("GET", url, params, None, headers,
                                                 secret_headers, max_bytes), url)

    def post_form(self, url: str, form: dict, secret_keys: tuple[str, ...] = (),
                  headers: dict | None = None, max_bytes: int = SMALL) -> Response:
        """A form POST (an OAuth grant); the values of ``secret_keys`` are secrets."""
        body = urllib.parse.urlencode(form).encode()
        for k in secret_keys:
            self.keep_secret(str(form.get(k) or ""))
        return self._retrying(lambda: self._once(
            "POST", url, None, body, {"Content-Type": "application/x-www-form-urlencoded",
                                      **(headers or {})}, None, max_bytes), url)

    def get_json(self, url: str, params: dict | None = None, headers: dict | None = None,
                 secret_headers: dict | None = None, check: Callable | None = None):
        """GET a JSON document; a body that is not JSON (or that ``check(data)`` refuses,
        raising ``ValueError``) is a failure that is tried again, like a truncated one."""
        def once():
            resp = self._once("GET", url, params, None, {"Accept": "application/json",
                                                         **(headers or {})},
                              secret_headers, SMALL)
            try:
                data = resp.json()
            except (UnicodeDecodeError, ValueError) as exc:
                raise FetchError(f"{_where(url, params)}: the answer is not JSON "
                                 f"({_short(exc)})") from None
            if check is not None:
                try:
                    check(data)
                except ValueError as exc:
                    raise FetchError(f"{_where(url, params)}: {exc}") from None
            return data

        return self._retrying(once, url)

    def download(self, url: str, dest: Path, size: int | None = None, md5: str | None = None,
                 max_bytes: int = 2**40, headers: dict | None = None,
                 secret_headers: dict | None = None) -> Path:
        """Fetch ``url`` into ``dest``, complete and verified, or raise."""
        dest = Path(dest)
        part = dest.with_name(dest.name + ".part")

        def once():
            try:
                self._stream(url, part, size, md5, max_bytes, headers, secret_headers)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
            os.replace(part, dest)
            return dest

        return self._retrying(once, url)

    def keep_secret(self, value: str | None) -> None:
        if value and len(value) >= 4 and value not in self.secrets:
            self.secrets.append(value)

    def scrub(self, text: str) -> str:
        for s in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(s, "***")
            quoted = urllib.parse.quote(s, safe="")
            if quoted != s:
                text = text.replace(quoted, "***")
        return text

    # --- the machinery -------------------------------------------------------------------

    def _retrying(self, attempt: Callable, url: str):
        policy = self.retry
        for n in range(1, policy.attempts + 1):
            self._check_stop()
            try:
                return attempt()
            except FetchError as exc:
                exc.args = (self.scrub(str(exc)),)
                if not exc.transient or n == policy.attempts:
                    raise
                wait = self._wait(n, getattr(exc, "retry_after", None))
                log.warning("%s (try %d of %d); again in %.1f s", exc, n, policy.attempts, wait)
                self._pause(wait)
        raise AssertionError("unreachable")

    def _wait(self, n: int, retry_after: float | None) -> float:
        p = self.retry
        if retry_after is not None:
            return min(max(retry_after, 0.0), p.max_backoff)
        base = min(p.backoff * 2 ** (n - 1), p.max_backoff)
        return max(0.0, min(p.max_backoff, base * (1 + p.jitter * (2 * self.rand() - 1))))

    def _pause(self, seconds: float) -> None:
        """Sleep ``seconds``, in short steps, so that a stop is seen within a quarter
        of a second."""
        left = seconds
        while left > 0:
            self._check_stop()
            step = min(left, 0.25)
            self.sleep(step)
            left -= step
        self._check_stop()

    def _check_stop(self) -> None:
        if self.stop():
            raise Stopped()

    def _open(self, method, url, params, body, headers, secret_headers):
        full = url + (("&" if "?" in url else "?") + urllib.parse.urlencode(params)
                      if params else "")
        req = urllib.request.Request(full, data=body, method=method)
        req.add_header("User-Agent", user_agent())
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        for k, v in (secret_headers or {}).items():
            self.keep_secret(v.split(" ", 1)[-1])
            req.add_unredirected_header(k, v)  # never sent on to where a redirect points
        self.requests += 1
        where = _where(url, params)
        try:
            with _network():
                return urllib.request.urlopen(req, timeout=self.retry.timeout)  # noqa: S310
        except urllib.error.HTTPError as exc:
            raise _status_error(exc, where) from None
        except TimeoutError as exc:
            raise FetchError(f"{where}: timed out after {self.retry.timeout:g} s") from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError):
                raise FetchError(f"{where}: timed out after {self.retry.timeout:g} s") from None
            raise FetchError(f"{where}: cannot connect ({_short(reason)})") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{where}: {_short(exc)}") from None

    def _once(self, method, url, params, body, headers, secret_headers, max_bytes) -> Response:
        where = _where(url, params)
        with self._open(method, url, params, body, headers, secret_headers) as resp:
            expected = _length(resp)
            if expected is not None and expected > max_bytes:
                raise TooLarge(f"{where}: the answer is {expected:,} bytes, more than the "
                               f"{max_bytes:,} allowed", transient=False)
            chunks, got = [], 0
            while True:
                self._check_stop()
                chunk = self._read(resp, where)
                if not chunk:
                    break
                got += len(chunk)
                if got > max_bytes:
                    raise TooLarge(f"{where}: the answer is larger than the {max_bytes:,} "
                                   "bytes allowed", transient=False)
                chunks.append(chunk)
            if expected is not None and got != expected:
                raise FetchError(f"{where}: truncated answer ({got:,} of {expected:,} bytes)")
            return Response(resp.status, dict(resp.headers.items()), b"".join(chunks))

    def _stream(self, url, part, size, md5, max_bytes, headers, secret_headers) -> None:
        with self._open("GET", url, None, None, headers, secret_headers) as resp:
            expected = _length(resp)
            if size is not None and expected is not None and expected != size:
                raise FetchError(f"{url}: the server announces {expected:,} bytes, the list "
                                 f"{size:,}")
            digest, got = hashlib.md5(usedforsecurity=False), 0
            with open(part, "wb", buffering=0) as out:
                while True:
                    self._check_stop()
                    chunk = self._read(resp, url)
                    if not chunk:
                        break
                    got += len(chunk)
                    if got > max_bytes:
                        raise TooLarge(f"{url}: larger than the {max_bytes:,} bytes allowed",
                                       transient=False)
                    digest.update(chunk)
                    out.write(chunk)
        if expected is not None and got != expected:
            raise FetchError(f"{url}: truncated download ({got:,} of {expected:,} bytes)")
        if size is not None and got != size:
            raise FetchError(f"{url}: {got:,} bytes received, the list says {size:,}")
        if md5 is not None and digest.hexdigest().lower() != md5.lower():
            raise FetchError(f"{url}: MD5 {digest.hexdigest()} is not the {md5.lower()} the "
                             "list gives")

    def _read(self, resp, where: str) -> bytes:
        try:
            with _network():  # what has arrived (up to CHUNK): a stop is seen between reads
                return resp.read1(CHUNK)
        except TimeoutError:
            raise FetchError(f"{where}: timed out after {self.retry.timeout:g} s "
                             "waiting for data") from None
        except http.client.IncompleteRead as exc:
            raise FetchError(f"{where}: truncated answer (the connection closed after "
                             f"{len(exc.partial):,} more bytes)") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"{where}: the connection failed ({_short(exc)})") from None


def _status_error(exc: urllib.error.HTTPError, where: str) -> FetchError:
    code = exc.code
    try:
        detail = exc.read(300).decode("utf-8", "replace").strip().splitlines()
    except Exception:  # the body of an error is only a courtesy
        detail = []
    finally:
        exc.close()
    text = f"{where}: HTTP {code} {exc.reason or ''}".rstrip()
    if detail:
        text += f" ({detail[0][:200]})"
    if code in (401, 403):
        return AuthError(text, code, transient=False)
    if code == 404:
        return NotFound(text, code, transient=False)
    if code == 429 or code >= 500:
        err = FetchError(text, code, transient=True)
        err.retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        return err
    return FetchError(text, code, transient=False)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _length(resp) -> int | None:
    raw = resp.headers.get("Content-Length")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def _where(url: str, params: dict | None) -> str:
    if not params:
        return url
    shown = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}?{shown}"


def _short(exc) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def scrubbed(text: str, secrets: Iterable[str]) -> str:
    h = Http(secrets=[s for s in secrets if s])
    return h.scrub(text)
