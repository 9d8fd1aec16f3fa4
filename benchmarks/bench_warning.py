"""Benchmark: weekly signals and detection over a 10-million-event store, against a
plain DuckDB GROUP BY of the same data in the same run.

Builds (once) benchmarks/.work/warn-home-<N>/, an event store snapshot of N synthetic
canonical events (default 10 million) in ten ingest batches: 120 countries with
skewed activity (a few hot, most quiet), up to 15 admin1 units each, 2014-2023,
the taxonomy's classes with conflict-like weights, over-dispersed fatalities. The
layout is the store's committed generation (events/*.parquet, batches.parquet,
CURRENT), so Tocsin reads it exactly as it reads a real store. Then measures:

  duckdb group-by   SELECT country, week, event_class, count(*), sum(fatalities)
                    FROM the Parquet GROUP BY ALL (one plain aggregate)
  signals (full)    tocsin.warning.signals.refresh on an empty signals DB: country and
                    admin1 levels, events, fatalities, civilian fatalities, distinct
                    actors, daily fatalities, coverage (Ibis on DuckDB)
  signals (+1 week) the same after an 11th batch of one week of events is published:
                    only the touched country-weeks are recomputed
  detection         every default rule (14, incl. the HDX baseline) over the signals
  evidence          event ids, indicators and options attached to every alert

    python benchmarks/bench_warning.py [--rows N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from synthetic_events import write_snapshot  # noqa: E402


def build(rows: int) -> Path:
    home = HERE / ".work" / f"warn-home-{rows}"
    if (home / "events" / "snapshot" / "CURRENT").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    write_snapshot(home, rows, [f"C{k:03d}" for k in range(120)])
    return home


def add_week(home: Path) -> None:
    """Commit a new generation with an 11th batch, as an ingest does: the stored
    segments linked, one more week of events in a segment of its own."""
    import duckdb

    from tocsin.events.store import segments_of

    snap = home / "events" / "snapshot"
    old = snap / (snap / "CURRENT").read_text().strip()
    gen = "20260102T000000000000Z-bench11"
    new = snap / gen
    (new / "events").mkdir(parents=True, exist_ok=True)
    stored = segments_of(old)
    for seg in stored:
        os.link(seg, new / "events" / f"{old.name}-{seg.name}")
    sources = ", ".join(f"'{s}'" for s in stored)
    con = duckdb.connect()
    con.execute(f"""COPY (SELECT * REPLACE ('bench:new' || source_id AS uid,
                                      DATE '2024-01-01' + CAST(random() * 6 AS INTEGER)
                                        AS event_date, 'b10' AS batch_id)
                    FROM read_parquet([{sources}]) USING SAMPLE 20000 ROWS)
                   TO '{new / "events" / "bench11-1.parquet"}'
                   (FORMAT parquet, COMPRESSION zstd)""")
    con.execute(f"""COPY (SELECT * FROM read_parquet('{old / "batches.parquet"}')
                    UNION ALL SELECT 'b10', 'bench', 0::BIGINT)
                   TO '{new / "batches.parquet"}' (FORMAT parquet)""")
    (snap / "CURRENT").write_text(gen)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    args = ap.parse_args(argv)
    import duckdb

    t = time.perf_counter()
    home = build(args.rows)
    print(f"store: {args.rows:,} events in {home} (built/found in "
          f"{time.perf_counter() - t:.1f} s)")
    for p in (home / "warning",):
        shutil.rmtree(p, ignore_errors=True)
    snap = home / "events" / "snapshot"
    if (snap / "CURRENT").read_text().strip().endswith("bench11"):
        shutil.rmtree(snap / (snap / "CURRENT").read_text().strip())
        (snap / "CURRENT").write_text("20260101T000000000000Z-bench10")
    from tocsin.events.store import snapshot_paths

    events = snapshot_paths(home)["events"]

    from tocsin.warning import signals
    from tocsin.warning.alerts import attach_events, attach_evidence, evaluate_rule
    from tocsin.warning.framework_links import FrameworkLinks
    from tocsin.warning.rules import load_rules
    from tocsin.warning.series import weekly_signals

    # Warm both paths once (imports, Ibis compilation) so the figures are the work itself.
    con = duckdb.connect()
    con.execute(f"SELECT count(*) FROM read_parquet('{events}')").fetchall()
    weekly_signals(signals.open_events(home)[1].limit(1000)).to_pyarrow()

    t = time.perf_counter()
    plain = con.execute(f"""SELECT country, date_trunc('week', event_date) AS week, event_class,
                              count(*) AS events, sum(fatalities_best) AS fatalities
                            FROM read_parquet('{events}') GROUP BY ALL""").fetchall()
    t_plain = time.perf_counter() - t
    print(f"duckdb group-by (country, week, class: count, sum): {t_plain:7.2f} s  "
          f"{len(plain):,} rows")

    t = time.perf_counter()
    r = signals.refresh(home)
    t_full = time.perf_counter() - t
    print(f"tocsin signals, full build:                        {t_full:7.2f} s  "
          f"{r.signal_rows:,} rows  ratio {t_full / t_plain:5.1f}x the group-by")

    add_week(home)
    t = time.perf_counter()
    r2 = signals.refresh(home)
    t_inc = time.perf_counter() - t
    print(f"tocsin signals, +1 week (incremental):             {t_inc:7.2f} s  "
          f"{r2.dirty_weeks} country-weeks recomputed  ratio {t_inc / t_plain:5.1f}x")

    rules = load_rules(HERE / ".work" / "no-home")
    db = signals.connect_signals(home)
    t = time.perf_counter()
    alerts = [a for rule in rules for a in evaluate_rule(db, rule)]
    t_det = time.perf_counter() - t
    db.close()
    print(f"detection, {len(rules)} rules:                              {t_det:7.2f} s  "
          f"{len(alerts):,} alerts  ratio {t_det / t_plain:5.1f}x")
    t = time.perf_counter()
    sample = alerts[:2000]
    attach_events(sample, {r.id: r for r in rules}, home)
    attach_evidence(sample, {r.id: r for r in rules}, FrameworkLinks())
    t_ev = time.perf_counter() - t
    print(f"evidence for {len(sample):,} alerts (event ids, indicators, options): "
          f"{t_ev:7.2f} s")
    total = t_full + t_det
    print(f"signals + detection: {total:.2f} s = {total / t_plain:.1f}x the plain group-by")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
