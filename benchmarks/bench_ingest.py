"""Benchmark: ingest of a large GDELT 2.0 file, against two baselines run on the same file.

Builds benchmarks/.work/gdelt2_<N>.export.CSV (N rows, default 10 million) by
repeating the real 15-minute batch in ../shared/data/events/gdelt_v2/ (or the
bundled sample) with fresh GLOBALEVENTIDs, then measures, each in its own process:

  duckdb scan      SELECT count(*) over read_csv of all 61 columns as text.
                   DuckDB only splits lines here; it never materialises a value
                   (projection pushdown), so this is a line count, not a read
  duckdb all-cols  the same read_csv with every column's values materialised
                   (max() of each, so nothing is optimised away): the plain
                   read_csv scan of the file that the goal is measured against
  copy floor       COPY of the 17 raw columns the GDELT reader uses, unchanged,
                   to Parquet: what any ingest that stores what it reads costs
  pandas           pandas.read_csv(dtype=str, chunksize=1M) over the whole file
  tocsin           tocsin.events.ingest.ingest into an empty store (hash, parse,
                   map codes and countries, check every row, write the segment,
                   fsync, commit)

and prints rows/s, peak memory (max RSS of the process) and the ratios.
Goal: tocsin at least half the speed of the scan that reads the values, peak
memory under 2 GiB; docs/events.md says why not half of count(*).

The file is read once before any timing, so every contender finds it in the page
cache: whichever ran first used to pay for the disk (a cold count(*) took 21 s, a
warm one 10 s). Each contender then runs --repeat times, interleaved, and the
ratios use each one's fastest run, as timeit does: on a shared 2-core machine
the noise only ever adds time.

    python benchmarks/bench_ingest.py [--rows N] [--repeat 3] [--skip-pandas]
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent
WORK = HERE / ".work"
SHARED = ROOT.parent / "shared" / "data" / "events" / "gdelt_v2" / "20191024143000.export.CSV.gz"
BUNDLED = ROOT / "src" / "tocsin" / "events" / "samples" / "gdelt2_20191024143000.export.CSV.gz"


def build(rows: int) -> Path:
    out = WORK / f"gdelt2_{rows}.export.CSV"
    if out.exists():
        return out
    src = SHARED if SHARED.exists() else BUNDLED
    with gzip.open(src, "rt", encoding="utf-8", newline="") as f:
        tails = [line.split("\t", 1)[1] for line in f if line.strip()]
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    start_id = 2_000_000_000  # far above real GDELT ids, so fresh
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        buf = []
        for i in range(rows):
            buf.append(f"{start_id + i}\t{tails[i % len(tails)]}")
            if len(buf) == 100_000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
    tmp.replace(out)
    return out


CHILD = {
    "duckdb-scan": """
import duckdb
cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(61)) + "}"
con = duckdb.connect()
n = con.execute(f"SELECT count(*) FROM read_csv('{path}', delim='\\\\t', header=false, "
                f"quote='', escape='', auto_detect=false, columns={cols})").fetchone()[0]
""",
    "duckdb-allcols": """
import duckdb
cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(61)) + "}"
con = duckdb.connect()
aggs = ", ".join(f"max(c{i})" for i in range(61))
con.execute(f"SELECT count(*), {aggs} FROM read_csv('{path}', delim='\\t', header=false, "
            f"quote='', escape='', auto_detect=false, columns={cols})")
n = con.fetchone()[0]
""",
    "copy-floor": """
import duckdb, os
cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(61)) + "}"
used = ", ".join(f"c{i}" for i in [0, 1, 5, 6, 15, 16, 22, 26, 51, 52, 53, 54, 55, 56, 57, 59, 60])
out = home + '-floor.parquet'
con = duckdb.connect()
con.execute("SET preserve_insertion_order = false")
n = con.execute(f"COPY (SELECT {used} FROM read_csv('{path}', delim='\\t', header=false, "
                f"quote='', escape='', auto_detect=false, columns={cols})) TO '{out}' "
                "(FORMAT parquet, COMPRESSION zstd)").fetchone()[0]
os.remove(out)
""",
    "pandas": """
import csv, pandas as pd
n = 0
for chunk in pd.read_csv(path, sep="\\t", header=None, dtype=str, quoting=csv.QUOTE_NONE,
                         chunksize=1_000_000, keep_default_na=False):
    n += len(chunk)
""",
    "tocsin": """
import shutil
from pathlib import Path
from tocsin.events.ingest import IngestOptions, ingest
home = Path(home)
shutil.rmtree(home, ignore_errors=True)
[r] = ingest(home, [Path(path)], IngestOptions(source="gdelt2"), echo=lambda s: None)
n = r.rows_stored
assert r.rows_rejected == 0, r
""",
}


def run(kind: str, path: Path) -> dict:
    code = (
        "import json, resource, time, sys\n"
        f"path = {str(path)!r}\nhome = {str(WORK / 'home')!r}\n"
        "t0 = time.perf_counter()\n"
        + CHILD[kind]
        + "\nsecs = time.perf_counter() - t0\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "print('\\n' + json.dumps({'rows': n, 'seconds': secs, 'peak_rss': rss}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{out.stderr}")
    # DuckDB may draw a progress bar on stdout; the figures are the last JSON line.
    line = [x for x in out.stdout.splitlines() if x.startswith('{"rows"')][-1]
    return json.loads(line)


def warm(path: Path) -> float:
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-pandas", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    path = build(args.rows)
    size = path.stat().st_size
    print(f"file: {path} ({args.rows:,} rows, {size / 2**30:.2f} GiB; built or reused in "
          f"{time.perf_counter() - t0:.1f} s; read into the page cache in {warm(path):.1f} s)")
    kinds = ["duckdb-scan", "duckdb-allcols", "copy-floor", "tocsin"]
    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    for _ in range(args.repeat):
        for kind in kinds:
            runs[kind].append(run(kind, path))
    if not args.skip_pandas:  # slow and far behind: once is enough
        runs["pandas"] = [run("pandas", path)]
    results = {}
    for kind, rs in runs.items():
        best = min(rs, key=lambda r: r["seconds"])
        results[kind] = best
        secs = sorted(r["seconds"] for r in rs)
        print(f"{kind:14} {best['rows']:>12,} rows  {best['seconds']:8.1f} s  "
              f"{best['rows'] / best['seconds']:>12,.0f} rows/s  "
              f"peak {max(r['peak_rss'] for r in rs) / 2**20:7.0f} MiB  "
              f"(runs: {', '.join(f'{x:.1f}' for x in secs)} s)")
    t = results["tocsin"]
    scan = results["duckdb-scan"]
    full = results["duckdb-allcols"]
    floor = results["copy-floor"]
    print(f"\ntocsin ingest speed / duckdb read_csv scan of the values: "
          f"{full['seconds'] / t['seconds']:.2f} (goal >= 0.5)")
    print(f"tocsin ingest speed / duckdb read_csv count(*):          "
          f"{scan['seconds'] / t['seconds']:.2f}")
    print(f"copy floor speed / duckdb read_csv count(*):            "
          f"{scan['seconds'] / floor['seconds']:.2f} (the best any storing ingest could do "
          "against count(*))")
    print(f"tocsin ingest speed / copy floor speed:                 "
          f"{floor['seconds'] / t['seconds']:.2f}")
    if "pandas" in results:
        print(f"tocsin ingest speed / pandas read_csv speed:            "
              f"{results['pandas']['seconds'] / t['seconds']:.2f}")
    peak = max(r["peak_rss"] for r in runs["tocsin"])
    print(f"tocsin peak memory: {peak / 2**30:.2f} GiB (goal < 2 GiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
