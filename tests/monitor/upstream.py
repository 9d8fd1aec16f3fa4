"""A local stand-in for the sources, on 127.0.0.1: GDELT's folder (``lastupdate.txt``,
``masterfilelist.txt`` and zipped exports, with HTTP ranges), ACLED's API (OAuth token,
``/api/acled/read`` pages filtered by ``timestamp``) and UCDP's API
(``/api/gedevents/<version>`` pages, ``x-ucdp-access-token``), in the shapes their
documentation gives, serving real sample rows. Faults are injected per path: a status
(500, 429), a stall longer than the client's time-out, a truncated body, corrupted bytes
(a wrong MD5), a malformed page, a download that hangs half-way.

The data are real: the GDELT 2.0 export bundled with Tocsin (one 15-minute batch of
2,111 rows, cut here into three consecutive intervals so that catching up can be seen),
UCDP GED rows of the bundled Myanmar 2021 sample, and ACLED rows of the shared Sudan
2021 sample (never copied into the repository). How rows are spread over intervals,
pages and versions is the test's choice, not the sources'.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import threading
import time
import urllib.parse
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.conftest import SHARED_EVENTS

ACLED_SUDAN = SHARED_EVENTS / "acled" / "acled_sudan_2021-10-25_to_2021-12-31.csv"
PUBLIC_GDELT = "http://data.gdeltproject.org/gdeltv2/"
PUBLIC_UCDP = "https://ucdpapi.pcr.uu.se/api/gedevents/"
ACLED_USER, ACLED_PASSWORD = "monitor@example.org", "acled-Pa55word-do-not-log"
UCDP_TOKEN = "ucdp-T0ken-do-not-log"
STAMPS = ("20191024140000", "20191024141500", "20191024143000")


def _sample(name: str) -> Path:
    from tocsin.events import samples

    return next(p for p in samples.paths() if p.name == name)


# --- GDELT ---------------------------------------------------------------------------------


def zipped(stamp: str, data: bytes) -> bytes:
    """A zip like GDELT's: one member ``<stamp>.export.CSV``; the same bytes every time."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(f"{stamp}.export.CSV", date_time=(2019, 10, 24, 14, 30, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, data)
    return buf.getvalue()


def gdelt_exports() -> dict[str, tuple[bytes, int]]:
    """stamp -> (zipped export, rows): the real batch of 2019-10-24 14:30 in three parts."""
    raw = gzip.decompress(_sample("gdelt2_20191024143000.export.CSV.gz").read_bytes())
    lines = raw.splitlines(keepends=True)
    cut = [0, 700, 1400, len(lines)]
    return {s: (zipped(s, b"".join(lines[cut[i]:cut[i + 1]])), cut[i + 1] - cut[i])
            for i, s in enumerate(STAMPS)}


def list_lines(stamp: str, export: bytes | None) -> list[str]:
    """The three lines GDELT writes per interval: export (real size and MD5), mentions
    and GKG (files this stand-in does not serve)."""
    out = []
    if export is not None:
        out.append(f"{len(export)} {hashlib.md5(export).hexdigest()} "
                   f"{PUBLIC_GDELT}{stamp}.export.CSV.zip")
    for kind, size in (("mentions", 318084), ("gkg", 10768507)):
        fake = hashlib.md5(f"{stamp}.{kind}".encode()).hexdigest()
        name = f"{stamp}.{kind}.CSV.zip" if kind == "mentions" else f"{stamp}.gkg.csv.zip"
        out.append(f"{size} {fake} {PUBLIC_GDELT}{name}")
    return out


# --- UCDP ------------------------------------------------------------------------------------

UCDP_INTS = {"id", "year", "type_of_violence", "conflict_new_id", "dyad_new_id",
             "side_a_new_id", "side_b_new_id", "number_of_sources", "where_prec",
             "priogrid_gid", "country_id", "event_clarity", "date_prec", "deaths_a",
             "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high", "low"}


def ucdp_events() -> list[dict]:
    """The bundled GED rows as the API gives them (numbers as numbers, dates with a time,
    active_year a boolean, empty as null)."""
    with gzip.open(_sample("ucdp_ged_myanmar_2021.csv.gz"), "rt", encoding="utf-8",
                   newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        e = {}
        for k, v in r.items():
            if v == "":
                e[k] = None
            elif k in UCDP_INTS:
                e[k] = int(v)
            elif k in ("latitude", "longitude"):
                e[k] = float(v)
            elif k == "active_year":
                e[k] = v == "1"
            elif k in ("date_start", "date_end"):
                e[k] = f"{v[:10]}T00:00:00"
            else:
                e[k] = v
        out.append(e)
    return out


# --- ACLED -----------------------------------------------------------------------------------


def acled_rows() -> list[dict]:
    """The shared Sudan 2021 rows as ACLED's API gives them: every value a string, dates
    ISO (the file's 31-Dec-21 is a spreadsheet's re-saving)."""
    with open(ACLED_SUDAN, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["event_date"] = dt.datetime.strptime(r["event_date"], "%d-%b-%y").date().isoformat()
    return rows


# --- the server -----------------------------------------------------------------------------


@dataclass
class Fault:
    prefix: str  # the request path starts with this
    kind: str  # status | stall | truncate | corrupt | malformed | hang | expire
    times: int | None = 1  # how many requests it spoils (None: all)
    query: dict = field(default_factory=dict)  # ... whose query has these values
    status: int = 500
    seconds: float = 0.0
    headers: dict = field(default_factory=dict)


class Upstream:
    def __init__(self):
        self.files: dict[str, bytes] = {}  # GDELT's folder: path -> bytes
        self.ranges = True
        self.acled: list[dict] = []
        self.ucdp: dict[str, list[dict]] = {}
        self.faults: list[Fault] = []
        self.requests: list[dict] = []
        self.tokens: set[str] = set()
        self.refresh_tokens: set[str] = set()
        self.logins = 0
        self.refreshes = 0
        self.halfway = threading.Event()  # a hanging download has sent half its bytes
        self.release = threading.Event()  # ... and may go on
        self._n = 0
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                upstream._handle(self, "GET")

            def do_POST(self):  # noqa: N802
                upstream._handle(self, "POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Upstream:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    # --- set-up ------------------------------------------------------------------------------

    def publish_gdelt(self, exports: dict[str, tuple[bytes, int]], upto: str,
                      older: int = 40) -> None:
        """GDELT's folder with the intervals up to ``upto`` published: the master list
        (``older`` earlier intervals first, whose files are not served), lastupdate.txt."""
        first = dt.datetime.strptime(STAMPS[0], "%Y%m%d%H%M%S")
        lines = []
        for i in range(older, 0, -1):
            stamp = (first - i * dt.timedelta(minutes=15)).strftime("%Y%m%d%H%M%S")
            lines += list_lines(stamp, hashlib.md5(stamp.encode()).hexdigest().encode())
        last = None
        for stamp in sorted(exports):
            if stamp > upto:
                break
            data = exports[stamp][0]
            self.files[f"/gdeltv2/{stamp}.export.CSV.zip"] = data
            lines += list_lines(stamp, data)
            last = stamp
        self.files["/gdeltv2/masterfilelist.txt"] = ("\n".join(lines) + "\n").encode()
        self.files["/gdeltv2/lastupdate.txt"] = (
            "\n".join(list_lines(last, exports[last][0])) + "\n").encode()

    def fault(self, prefix: str, kind: str, times: int | None = 1, **kw) -> Fault:
        f = Fault(prefix, kind, times, **kw)
        self.faults.append(f)
        return f

    def expire_tokens(self) -> None:
        """Every access token handed out so far has expired (refresh tokens still work)."""
        self.tokens.clear()

    def count(self, prefix: str) -> int:
        return sum(1 for r in self.requests if r["path"].startswith(prefix))

    # --- answering ---------------------------------------------------------------------------

    def _take_fault(self, path: str, query: dict) -> Fault | None:
        with self._lock:
            for f in self.faults:
                if not all(query.get(k) == str(v) for k, v in f.query.items()):
                    continue
                if path.startswith(f.prefix) and (f.times is None or f.times > 0):
                    if f.times is not None:
                        f.times -= 1
                    return f
        return None

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        url = urllib.parse.urlsplit(h.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        self.requests.append({"method": method, "path": url.path, "query": query,
                              "headers": {k.lower(): v for k, v in h.headers.items()},
                              "body": body})
        fault = self._take_fault(url.path, query)
        try:
            if fault and fault.kind == "expire":
                self.expire_tokens()
            if fault and fault.kind == "status":
                return self._send(h, fault.status, b'{"error": "injected"}',
                                  "application/json", fault.headers)
            if fault and fault.kind == "stall":
                time.sleep(fault.seconds)
            if url.path == "/oauth/token" and method == "POST":
                return self._token(h, dict(urllib.parse.parse_qsl(body.decode())))
            if url.path == "/api/acled/read":
                return self._acled(h, query, fault)
            if url.path.lower().startswith("/api/gedevents/"):
                return self._ucdp(h, url.path.split("/")[-1], query, fault)
            if url.path in self.files:
                return self._file(h, self.files[url.path], fault)
            return self._send(h, 404, b"not found", "text/plain")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a time-out): nothing to answer

    def _send(self, h, status: int, data: bytes, ctype: str, headers: dict | None = None,
              fault: Fault | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        if fault and fault.kind == "truncate":
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        if fault and fault.kind == "hang":
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            self.halfway.set()
            self.release.wait(120)
            h.wfile.write(data[len(data) // 2:])
            return
        h.wfile.write(data)

    def _file(self, h, data: bytes, fault: Fault | None) -> None:
        if fault and fault.kind == "corrupt":
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        rng = h.headers.get("Range", "")
        if self.ranges and rng.startswith("bytes=-"):
            n = min(int(rng[len("bytes=-"):]), len(data))
            start = len(data) - n
            return self._send(h, 206, data[start:], "text/plain",
                              {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"},
                              fault)
        self._send(h, 200, data, "application/octet-stream", None, fault)

    def _json(self, h, status: int, doc, fault: Fault | None) -> None:
        data = json.dumps(doc).encode()
        if fault and fault.kind == "malformed":
            data = data[: len(data) // 3]  # cut inside the JSON: a 200 that does not parse
        self._send(h, status, data, "application/json", None, fault)

    def _token(self, h, form: dict) -> None:
        with self._lock:
            self._n += 1
            n = self._n
        if form.get("client_id") != "acled":
            return self._json(h, 400, {"error": "invalid_client"}, None)
        if form.get("grant_type") == "password":
            if (form.get("username"), form.get("password")) != (ACLED_USER, ACLED_PASSWORD):
                return self._json(h, 401, {"error": "invalid_grant",
                                           "error_description": "bad credentials"}, None)
            self.logins += 1
        elif form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return self._json(h, 401, {"error": "invalid_grant"}, None)
            self.refresh_tokens.discard(form["refresh_token"])
            self.refreshes += 1
        else:
            return self._json(h, 400, {"error": "unsupported_grant_type"}, None)
        access, refresh = f"acled-access-{n:04d}-secret", f"acled-refresh-{n:04d}-secret"
        self.tokens.add(access)
        self.refresh_tokens.add(refresh)
        self._json(h, 200, {"token_type": "Bearer", "expires_in": 86400,
                            "access_token": access, "refresh_token": refresh}, None)

    def _acled(self, h, q: dict, fault: Fault | None) -> None:
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return self._json(h, 401, {"status": 401, "success": False,
                                       "error": {"message": "Access token expired"}}, None)
        rows = list(self.acled)
        for k, v in q.items():
            if k in ("page", "limit", "_format", "timestamp", "timestamp_where"):
                continue
            rows = [r for r in rows if str(r.get(k)) == v]
        if "timestamp" in q:
            t, op = int(q["timestamp"]), q.get("timestamp_where", ">=")
            test = {">": lambda x: x > t, "<": lambda x: x < t, "=": lambda x: x == t,
                    ">=": lambda x: x >= t}[op]
            rows = [r for r in rows if test(int(r["timestamp"]))]
        rows.sort(key=lambda r: (r["event_date"], r["event_id_cnty"]), reverse=True)
        limit, page = int(q.get("limit", 5000)), int(q.get("page", 1))
        part = rows[(page - 1) * limit: page * limit]
        self._json(h, 200, {"status": 200, "success": True, "last_update": 0,
                            "count": len(part), "total_count": len(rows), "messages": [],
                            "data": part, "filename": "acled"}, fault)

    def _ucdp(self, h, version: str, q: dict, fault: Fault | None) -> None:
        if h.headers.get("x-ucdp-access-token") != UCDP_TOKEN:
            return self._json(h, 401, {"message": "a valid x-ucdp-access-token is required"},
                              None)
        if version not in self.ucdp:
            return self._send(h, 404, b"version not found", "text/plain")
        events = self.ucdp[version]
        size, page = int(q.get("pagesize", 1)), int(q.get("page", 0))
        pages = max(1, -(-len(events) // size))
        nxt = (f"{PUBLIC_UCDP}{version}?pagesize={size}&page={page + 1}"
               if page + 1 < pages else "")
        prev = f"{PUBLIC_UCDP}{version}?pagesize={size}&page={page - 1}" if page else ""
        self._json(h, 200, {"TotalCount": len(events), "TotalPages": pages,
                            "PreviousPageUrl": prev, "NextPageUrl": nxt,
                            "Result": events[page * size:(page + 1) * size]}, fault)
