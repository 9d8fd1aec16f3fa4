"""Benchmark: latency of the site's watch list, a country page and the alerts API with
a store of 10 million events and 50 concurrent clients on loopback, against the same
pages with an empty store, measured in the same run.

Two homes, identical except for the event store:
  big     benchmarks/.work/site-home-<N>/: N synthetic canonical events (default
          10 million) over 120 real countries (ISO3 codes of the bundled forecast,
          skewed activity), 15 admin1 units each, 2014-2023, conflict-like class
          weights; written as the store's committed generation (events/*.parquet,
          batches.parquet, CURRENT), then the weekly signals materialised with
          tocsin.warning.signals.refresh, exactly as `tocsin warn run` would;
  empty   no events at all.
Both get the same site database: the bundled model's 2024 forecast (168 countries),
600 alerts (with event ids from the big store), one viewer with a session and an
API token. Each home is served by `tocsin serve` (waitress, 8 threads) in its own
process. The client is a bounded thread pool of 50 workers, each with its own
keep-alive HTTP connection, sending a fixed number of requests per page (default
400) after a warm-up; it reports the first (cold) request, median and p95.

    python benchmarks/bench_site.py [--rows N] [--requests R] [--clients C]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
from synthetic_events import write_snapshot  # noqa: E402

TOCSIN = str(Path(sys.executable).parent / "tocsin")


def forecast_csv() -> Path:
    from tocsin.forecast import demo_forecast

    out = HERE / ".work" / "site-forecast"
    path = out / "forecast-2024.csv"
    return path if path.exists() else demo_forecast(out)


def countries(n: int = 120) -> list[str]:
    import csv

    rows = list(csv.DictReader(forecast_csv().open()))
    return [r["country"] for r in rows if r["country"]][:n]


def build_events(rows: int) -> Path:
    home = HERE / ".work" / f"site-home-{rows}"
    snap = home / "events" / "snapshot"
    signals_published = (home / "warning" / "snapshot" / "CURRENT").exists()
    if (snap / "CURRENT").exists() and signals_published:
        return home
    shutil.rmtree(home, ignore_errors=True)
    write_snapshot(home, rows, countries())
    from tocsin.warning import signals

    t = time.perf_counter()
    r = signals.refresh(home)
    print(f"  signals materialised: {r.signal_rows:,} rows in {time.perf_counter() - t:.0f} s",
          flush=True)
    return home


SETUP = """
import json, random
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from tocsin.web.accounts.models import CountryRole
from tocsin.web.alerts.models import Alert
from tocsin.web.api.models import ApiToken
from tocsin.web.countries.forecasts import import_csv
import_csv(FORECAST, model="bundled")
U = get_user_model()
u = U.objects.create_user("bench", "bench@example.invalid", "bench password 1234567")
CountryRole.objects.create(user=u, country=COUNTRY, role="viewer")
random.seed(7)
import datetime as dt
rows = []
for i in range(600):
    c = COUNTRIES[i % len(COUNTRIES)]
    week = dt.date(2023, 12, 25) - dt.timedelta(weeks=i // len(COUNTRIES))
    rows.append(Alert(key=f"bench|{i}", rule="fatality-surge", rule_name="Surge in fatalities",
        severity=random.choice(["medium", "high", "critical"]), source="bench", country=c,
        level="country", week=week, figures={"fatalities": 40 + i % 17},
        event_ids=[f"bench:{i * 1000 + k}" for k in range(12)], event_count=12,
        indicators=[{"ref": "un-foa-2014:1.1"}]))
Alert.objects.bulk_create(rows)
s = SessionStore()
s["_auth_user_id"] = str(u.pk)
s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
s["_auth_user_hash"] = u.get_session_auth_hash()
s.create()
print(json.dumps({"session": s.session_key, "token": ApiToken.issue(u, "bench")[1]}))
"""


def prepare_site(home: Path, country: str, isos: list[str]) -> dict:
    """A fresh site database in ``home`` with the same content for both stores."""
    (home / "tocsin.sqlite3").unlink(missing_ok=True)
    env = {**os.environ, "TOCSIN_HOME": str(home), "TOCSIN_ENV": "development"}
    env.pop("TOCSIN_DATABASE_URL", None)
    subprocess.run([TOCSIN, "manage", "migrate", "-v0"], env=env, check=True)
    code = (f"FORECAST = {str(forecast_csv())!r}\nCOUNTRY = {country!r}\n"
            f"COUNTRIES = {isos[:60]!r}\n" + SETUP)
    out = subprocess.run([TOCSIN, "manage", "shell", "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(home: Path):
    port = free_port()
    env = {**os.environ, "TOCSIN_HOME": str(home), "TOCSIN_ENV": "development"}
    proc = subprocess.Popen([TOCSIN, "serve", "--port", str(port), "--threads", "8",
                             "--no-migrate"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("server did not start")


def get(conn, path, headers) -> float:
    t = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    dt_ = time.perf_counter() - t
    if resp.status != 200:
        raise RuntimeError(f"{path}: HTTP {resp.status} {body[:200]!r}")
    return dt_


def load(port: int, path: str, headers: dict, requests: int, clients: int) -> list[float]:
    """``requests`` GETs of ``path`` spread over ``clients`` workers, each on its own
    keep-alive connection; bounded by count."""
    per = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]

    def worker(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            return [get(conn, path, headers) for _ in range(n)]
        finally:
            conn.close()

    with ThreadPoolExecutor(clients) as pool:
        return [x for xs in pool.map(worker, per) for x in xs]


def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def main(argv) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--clients", type=int, default=50)
    a = ap.parse_args(argv)
    isos = countries()
    country = isos[0]  # the most active country of the synthetic store
    t = time.perf_counter()
    big = build_events(a.rows)
    print(f"store: {a.rows:,} events in {big} (built/reused in {time.perf_counter() - t:.0f} s)")
    empty = HERE / ".work" / "site-home-empty"
    shutil.rmtree(empty, ignore_errors=True)
    empty.mkdir(parents=True)
    print(f"load average before measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other processes on the machine slow both stores alike)")
    pages = {"watch list": "/countries/", f"country page ({country})": f"/countries/{country}/",
             "alerts API": "/api/v1/alerts?status=all&limit=50"}
    results = {}
    big_label = f"{a.rows:,} events"
    for label, home in ((big_label, big), ("empty store", empty)):
        creds = prepare_site(home, country, isos)
        proc, port = serve(home)
        try:
            for page, path in pages.items():
                headers = ({"Authorization": f"Bearer {creds['token']}"} if "api" in path
                           else {"Cookie": f"sessionid={creds['session']}"})
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                cold = get(conn, path, headers)
                conn.close()
                load(port, path, headers, a.clients, a.clients)  # warm every thread
                lat = load(port, path, headers, a.requests, a.clients)
                results[(page, label)] = (cold, statistics.median(lat), q(lat, 0.95), len(lat))
                print(f"  {label:12} {page:24} cold {cold * 1000:7.0f} ms   median "
                      f"{statistics.median(lat) * 1000:7.1f} ms   p95 {q(lat, 0.95) * 1000:7.1f} ms"
                      f"   ({len(lat)} requests, {a.clients} clients)", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print(f"\n{'page':26} {'median big/empty':>17} {'p95 big/empty':>15}")
    for page in pages:
        b, e = results[(page, big_label)], results[(page, "empty store")]
        print(f"{page:26} {b[1] / e[1]:16.2f}x {b[2] / e[2]:14.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
