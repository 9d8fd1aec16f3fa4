"""The monitor as a process: killed half-way through a download, stopped by SIGTERM, and
never two on one home."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.monitor import upstream as up
from tests.monitor.helpers import GDELT, batches, feed_report, once, state, write_feeds

SECOND = f"/gdeltv2/{up.STAMPS[1]}.export.CSV.zip"
TOCSIN = [sys.executable, "-c", "from tocsin.cli import entry; entry()"]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
    return env


def _partials(home) -> list:
    return list((home / "monitor" / "tmp" / "gdelt").glob("*.part"))


@pytest.mark.slow
def test_a_kill_half_way_through_a_download_stores_nothing_and_the_next_run_recovers(
        run, home, upstream):
    write_feeds(home, upstream.base, GDELT)
    upstream.fault(SECOND, "hang")  # sends half the zip, then waits
    proc = subprocess.Popen([*TOCSIN, "monitor", "--once", "--home", str(home)], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert upstream.halfway.wait(120), "the download never started"
        deadline = time.time() + 10
        while not (_partials(home) and _partials(home)[0].stat().st_size) and \
                time.time() < deadline:
            time.sleep(0.05)
        partial = _partials(home)
        assert partial and partial[0].stat().st_size > 0  # half a download is on disk ...
        proc.kill()
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert batches(home) == []  # ... and nothing of it, nor of the interval before, stored
    assert state(home, "gdelt").get("cursor", {}) == {}
    assert not (home / f"monitor/tmp/gdelt/{up.STAMPS[1]}.export.CSV.zip").exists()

    upstream.release.set()
    upstream.faults.clear()
    code, report, err = once(run, home)
    assert code == 0, err
    assert feed_report(report, "gdelt")["files"] == 3
    assert state(home, "gdelt")["cursor"] == {"last": up.STAMPS[-1]}
    assert sum(b["rows_new"] for b in batches(home)) == 2111
    assert _partials(home) == []  # the next run cleared what the killed one left


@pytest.mark.slow
def test_sigterm_stops_the_loop_at_once_even_in_a_hanging_download(home, upstream):
    write_feeds(home, upstream.base, GDELT)
    upstream.fault(SECOND, "hang")
    proc = subprocess.Popen([*TOCSIN, "monitor", "--home", str(home)], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert upstream.halfway.wait(120), "the download never started"
        time.sleep(0.2)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert time.monotonic() - started < 20  # not the 5-second time-out times three
    assert "stopped" in out and "SIGTERM" in out
    assert batches(home) == [] and state(home, "gdelt")["cursor"] == {}
    assert _partials(home) == []
    assert state(home, "gdelt")["consecutive_failures"] == 0  # a stop is not a failure
    runner = json.loads((home / "monitor" / "runner.json").read_text())
    assert runner["mode"] == "loop" and runner["last_pass"][0]["status"] == "stopped"


@pytest.mark.slow
def test_an_idle_loop_sleeps_until_the_next_feed_is_due_and_stops_on_sigterm(home, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_feeds(home, "", f"{{id: inbox, kind: folder, every: 1h, path: \"{inbox}\"}}")
    proc = subprocess.Popen([*TOCSIN, "monitor", "--home", str(home)], env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not (home / "monitor" / "runner.json").exists() and time.time() < deadline:
            time.sleep(0.1)
        assert (home / "monitor" / "runner.json").exists()
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    # the feed is due in an hour; the loop wakes every 5 minutes to re-read the feeds file
    assert "next pass in 5m" in out and out.rstrip().endswith("stopped")
    assert state(home, "inbox")["next_run_at"] is not None


def test_two_monitors_never_run_on_one_home(run, home, upstream):
    from tocsin.monitor.lock import hold

    write_feeds(home, upstream.base, GDELT)
    with hold(home):
        code, out, err = run("monitor", "--once", "--home", home)
    assert code == 1
    assert f"another monitor is running on this home (pid {os.getpid()})" in err
    assert upstream.requests == [] and batches(home) == []
    assert once(run, home)[0] == 0  # released: the next one runs
