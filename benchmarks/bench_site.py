"""Benchmark: latency of the site's watch list, a country page and the alerts API with
a store of 10 million events and 50 concurrent clients on loopback, against the same
pages with an empty store, measured in the same run.

Two homes, identical except for the event store:
  big     benchmarks/.work/site-home-<N>/: N synthetic canonical events (default
          10 million) over 120 real countries (ISO3 codes of the bundled forecast,
          skewed activity), 15 admin1 units each, 2014-2023, conflict-like class
          weights; written as the store's published snapshot (events.parquet,
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
TOCSIN = str(Path(sys.executable).parent / "tocsin")
CLASSES = [("armed-clash", 30), ("remote-violence", 15), ("violence-against-civilians", 15),
           ("protest", 20), ("riot", 6), ("repression", 2), ("arrests", 3),
           ("mass-killing", 0.3), ("abduction-disappearance", 2), ("sexual-violence", 0.5),
           ("destruction-looting", 2), ("other", 3)]


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
    import duckdb

    home = HERE / ".work" / f"site-home-{rows}"
    snap = home / "events" / "snapshot"
    if (snap / "CURRENT").exists() and (home / "warning" / "signals.duckdb").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    gen = "20260101T000000000000Z-bench10"
    out = snap / gen
    out.mkdir(parents=True)
    isos = countries()
    total = sum(w for _, w in CLASSES)
    cases, acc = [], 0.0
    for name, w in CLASSES:
        acc += w / total
        cases.append(f"WHEN r_class < {acc:.6f} THEN '{name}'")
    klass = "CASE " + " ".join(cases) + " ELSE 'other' END"
    iso_list = "[" + ", ".join(f"'{c}'" for c in isos) + "]"
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"""
    COPY (
      WITH base AS (
        SELECT i,
          least({len(isos) - 1}, CAST(floor(exp(random() * ln({len(isos) + 1})) - 1)
                AS INTEGER)) AS c,
          random() AS r_class, random() AS r_fat, random() AS r_adm, random() AS r_day
        FROM range({rows}) t(i))
      SELECT 'bench:' || i AS uid, 'bench' AS source, CAST(i AS VARCHAR) AS source_id,
        CAST(NULL AS BIGINT) AS source_version,
        DATE '2014-01-06' + CAST(floor(r_day * 3640) AS INTEGER) AS event_date,
        DATE '2014-01-06' + CAST(floor(r_day * 3640) AS INTEGER) AS date_end,
        CAST(1 AS SMALLINT) AS date_precision,
        {iso_list}[c + 1] AS country,
        'unit-' || CAST(floor(r_adm * 15) AS INTEGER) AS admin1,
        CAST(NULL AS VARCHAR) AS admin2, CAST(NULL AS VARCHAR) AS place,
        CAST(NULL AS DOUBLE) AS latitude, CAST(NULL AS DOUBLE) AS longitude,
        CAST(1 AS SMALLINT) AS geo_precision, {klass} AS event_class,
        'bench' AS source_type,
        'actor-' || CAST(floor(random() * 40) AS INTEGER) AS actor1,
        'actor-' || CAST(floor(random() * 40) AS INTEGER) AS actor2,
        CAST(CASE WHEN r_fat < 0.6 THEN 0 ELSE floor(-ln(1 - random()) * 6) END AS INTEGER)
          AS fatalities_best,
        CAST(NULL AS INTEGER) AS fatalities_low, CAST(NULL AS INTEGER) AS fatalities_high,
        CAST(NULL AS INTEGER) AS civilian_fatalities, CAST(NULL AS VARCHAR) AS notes,
        'b' || lpad(CAST(i % 10 AS VARCHAR), 2, '0') AS batch_id
      FROM base
    ) TO '{out / "events.parquet"}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 500000)
    """)
    con.execute(f"""COPY (SELECT 'b' || lpad(CAST(i AS VARCHAR), 2, '0') AS batch_id,
                     'bench' AS source, 0::BIGINT AS rows_replaced FROM range(10) t(i))
                    TO '{out / "batches.parquet"}' (FORMAT parquet)""")
    (snap / "CURRENT").write_text(gen)
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
    for label, home in (("10M events", big), ("empty store", empty)):
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
    print(f"\n{'page':26} {'median 10M/empty':>17} {'p95 10M/empty':>15}")
    for page in pages:
        b, e = results[(page, "10M events")], results[(page, "empty store")]
        print(f"{page:26} {b[1] / e[1]:16.2f}x {b[2] / e[2]:14.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
