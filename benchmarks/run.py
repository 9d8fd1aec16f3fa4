"""Run every benchmark in this folder (``bench_*.py``), each in its own process.

Each benchmark prints its figures and its ratio to a baseline measured in the
same run. ``make bench`` runs them all; ``python benchmarks/run.py NAME`` runs
the ones whose file name contains NAME.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    wanted = argv[1:]
    files = sorted(HERE.glob("bench_*.py"))
    if wanted:
        files = [f for f in files if any(w in f.stem for w in wanted)]
    failed = []
    for file in files:
        print(f"\n=== {file.stem} ===", flush=True)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(file)], cwd=HERE.parent)
        print(f"--- {file.stem}: {time.perf_counter() - start:.1f} s wall", flush=True)
        if result.returncode != 0:
            failed.append(file.stem)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
