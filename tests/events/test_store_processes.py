"""The store under real concurrency: separate processes, a kill mid-ingest,
readers during an ingest, two ingests at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tocsin.events import samples, store
from tocsin.generations import BUILD_PREFIX

pytestmark = pytest.mark.slow  # real processes, several seconds each
UCDP, GDELT2, GDELT1 = samples.paths()
CMD = [sys.executable, "-c", "from tocsin.cli import entry; entry()"]
# The command line, held at the commit point: os.replace is wrapped so that the rename
# of the finished build directory into place (the step before the switch of CURRENT)
# first writes the flag file named by argv[1] and waits until the test removes it.
HELD = [sys.executable, "-c", f"""
import os, sys, time
from pathlib import Path
flag = Path(sys.argv.pop(1))
replace = os.replace
def held(src, dst, *args, **kwargs):
    if Path(src).name.startswith({BUILD_PREFIX!r}):
        flag.write_text(str(os.getpid()))
        deadline = time.time() + 120
        while flag.exists() and time.time() < deadline:
            time.sleep(0.05)
    return replace(src, dst, *args, **kwargs)
os.replace = held
from tocsin.cli import entry
entry()
"""]


def start(home: Path, *args, pause: Path | None = None) -> subprocess.Popen:
    cmd = [*HELD, str(pause)] if pause else CMD
    return subprocess.Popen([*cmd, "events", *map(str, args), "--home", str(home)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run(home: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([*CMD, "events", *map(str, args), "--home", str(home)],
                          capture_output=True, text=True, timeout=120)


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"ingest ended early: {proc.communicate()}")
        if time.time() > deadline:
            proc.kill()
            raise AssertionError("ingest never reached the commit point")
        time.sleep(0.05)


def event_count(home: Path) -> int:
    # In this (test) process: a different process from any writer.
    con = store.connect_reader(home)
    try:
        return con.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def seeded(tmp_path) -> Path:
    home = tmp_path / "home"
    out = run(home, "ingest", GDELT1)
    assert out.returncode == 0, out.stderr
    return home


def test_readers_work_while_an_ingest_holds_the_store(seeded, tmp_path):
    flag = tmp_path / "paused"
    proc = start(seeded, "ingest", UCDP, pause=flag)
    try:
        wait_for(flag, proc)
        # The writer holds the write lock and has built the next generation;
        # readers still answer, with the last committed one.
        out = run(seeded, "stats", "--format", "json")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["events"] == 710
        out = run(seeded, "export", "--format", "csv", "-o", tmp_path / "during.csv")
        assert out.returncode == 0, out.stderr
        assert "wrote 710 events" in out.stdout
    finally:
        flag.unlink(missing_ok=True)  # let the ingest commit
    assert proc.wait(timeout=120) == 0, proc.communicate()
    assert event_count(seeded) == 710 + 855


def test_kill_mid_ingest_leaves_the_store_as_it_was(seeded, tmp_path):
    before = store.manifest(seeded)
    flag = tmp_path / "paused"
    proc = start(seeded, "ingest", UCDP, GDELT2, pause=flag)
    wait_for(flag, proc)  # both files staged and merged, not committed
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    flag.unlink(missing_ok=True)
    assert store.manifest(seeded) == before
    assert event_count(seeded) == 710
    # The store is usable afterwards: the lock died with the process, CURRENT
    # never named the killed build, and a retry stores it all.
    out = run(seeded, "ingest", UCDP, GDELT2)
    assert out.returncode == 0, out.stderr
    assert event_count(seeded) == 710 + 855 + 2111
    assert len(store.manifest(seeded)) == 3


def test_two_ingests_at_once_queue_and_both_commit(seeded, tmp_path):
    flag = tmp_path / "paused"
    first = start(seeded, "ingest", UCDP, pause=flag)
    wait_for(flag, first)
    second = start(seeded, "ingest", GDELT2)
    # The second ingest says it waits for the write lock, and really waits.
    first_line = second.stdout.readline()
    assert "another ingest is writing to this store; waiting for the lock" in first_line
    time.sleep(0.5)
    assert second.poll() is None
    assert len(store.manifest(seeded)) == 1
    flag.unlink()
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert event_count(seeded) == 710 + 855 + 2111
    assert len(store.manifest(seeded)) == 3


def test_same_file_twice_at_once_is_stored_once(seeded):
    procs = [start(seeded, "ingest", GDELT2, "--format", "json") for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    statuses = sorted(json.loads(o)["batches"][0]["status"] for o, _ in outs)
    assert statuses == ["already-ingested", "stored"]
    assert event_count(seeded) == 710 + 2111
