"""Helpers of the monitor tests: feeds files against the stand-in, and what a home holds."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tests.monitor import upstream as up

FAST_RETRY = "retry: {attempts: 3, backoff: 0.01, max_backoff: 0.05, jitter: 0.5, timeout: 5}"
GDELT = ("{{id: gdelt, kind: gdelt, every: 15m, url: \"{base}gdeltv2/\", "
         "since: 2019-10-24T14:00:00}}")
ACLED = ("{{id: acled, kind: acled, every: 1d, url: \"{base}\", username: " + up.ACLED_USER
         + ", password_env: TEST_ACLED_PASSWORD, params: {{iso: 729}}, since: 2021-01-01, "
           "page_size: 200}}")
UCDP = ("{{id: ucdp, kind: ucdp, every: 1d, url: \"{base}\", token_env: TEST_UCDP_TOKEN, "
        "versions: [\"24.1\"], candidate: {{series: \"25.0\", from: 1}}, page_size: 100, "
        "pages_per_file: 4}}")


def write_feeds(home: Path, base: str, *feeds: str, warn: bool = False, head: str = "") -> Path:
    """A feeds file naming ``feeds`` (GDELT, ACLED, UCDP above, or any YAML flow mapping)
    against the stand-in at ``base``."""
    lines = [FAST_RETRY, f"warn: {{run: {str(warn).lower()}}}"]
    if head:
        lines.append(textwrap.dedent(head).strip())
    lines.append("feeds:")
    lines += [f"  - {f.format(base=base) if '{base}' in f else f}" for f in feeds]
    path = home / "feeds.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def state(home: Path, feed: str) -> dict:
    p = home / "monitor" / "feeds" / f"{feed}.json"
    return json.loads(p.read_text()) if p.exists() else {}


def batches(home: Path) -> list[dict]:
    from tocsin.events.store import manifest, snapshot_paths

    return manifest(home) if snapshot_paths(home) else []


def once(run, home: Path, *args: str):
    """``tocsin monitor --once --format json`` in-process: (exit code, report, stderr)."""
    code, out, err = run("monitor", "--once", "--home", home, "--format", "json", *args)
    return code, (json.loads(out) if out.strip().startswith("{") else out), err


def feed_report(report: dict, feed: str) -> dict:
    return next(f for f in report["feeds"] if f["id"] == feed)
