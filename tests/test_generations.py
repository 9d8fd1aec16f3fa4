"""The published-generation store (``tocsin.generations``), the one mechanism behind the
event store and the published signals: commit by the switch of CURRENT, nothing seen
of a half-written generation, pruning, scratch of killed writers, the writer lock and
its message, readers that retry. Each user keeps one test of its own (the event
store: tests/events/test_store_processes.py; the signals:
tests/web/countries/test_signals_snapshot.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tocsin import generations
from tocsin.generations import KEEP, GenerationStore


def commit(store: GenerationStore, name: str, text: str | None = None) -> Path:
    """A generation holding a.txt and sub/b.txt, both ``text`` (default: the name)."""
    build = store.build()
    (build / "sub").mkdir()
    (build / "a.txt").write_text(text or name)
    (build / "sub" / "b.txt").write_text(text or name)
    return store.commit(build, name)


def read(store: GenerationStore):
    def open_generation(gen):
        if gen is None:
            return None
        return (gen / "a.txt").read_text(), (gen / "sub" / "b.txt").read_text()

    return store.read(open_generation)


def test_a_commit_is_the_switch_of_current(tmp_path):
    store = GenerationStore(tmp_path / "s")
    assert store.current() is None and read(store) is None
    with store.lock():
        build = store.build()
        (build / "a.txt").write_text("g1")
        (build / "sub").mkdir()
        (build / "sub" / "b.txt").write_text("g1")
        assert read(store) is None  # the build is seen by nobody
        target = store.commit(build, "g1")
    assert target == store.snapshot / "g1" and not build.exists()
    assert store.current() == target
    assert (store.snapshot / "CURRENT").read_text() == "g1"
    assert read(store) == ("g1", "g1")


def test_commit_fsyncs_every_file_and_directory_before_the_switch(tmp_path, monkeypatch):
    store = GenerationStore(tmp_path / "s")
    synced, replaced = [], []
    real_replace = os.replace
    monkeypatch.setattr(generations, "fsync", lambda p: synced.append(Path(p)))
    monkeypatch.setattr(generations.os, "replace",
                        lambda a, b: (replaced.append((Path(a), len(synced))),
                                      real_replace(a, b)))
    with store.lock():
        build = store.build()
        (build / "sub").mkdir()
        (build / "a.txt").write_text("x")
        (build / "sub" / "b.txt").write_text("x")
        store.commit(build, "g1")
    before_rename = synced[:replaced[0][1]]
    assert set(before_rename) == {build / "a.txt", build / "sub" / "b.txt", build / "sub", build}
    assert before_rename.index(build / "sub") < before_rename.index(build)  # deepest first
    pointer = store.snapshot / f".CURRENT.{os.getpid()}"
    assert pointer in synced[:replaced[1][1]]  # the pointer is on disk before it is switched
    assert synced[-1] == store.snapshot  # and the switch itself after


@pytest.mark.parametrize("fail_at", ["rename", "switch"])
def test_a_crash_before_the_switch_leaves_the_old_generation(tmp_path, monkeypatch, fail_at):
    store = GenerationStore(tmp_path / "s")
    with store.lock():
        old = commit(store, "g1")
    real_replace = os.replace

    def crash(src, dst):
        if (fail_at == "rename" and Path(src).name.startswith(generations.BUILD_PREFIX)) or \
                (fail_at == "switch" and Path(dst).name == "CURRENT"):
            raise OSError("power cut")
        return real_replace(src, dst)

    monkeypatch.setattr(generations.os, "replace", crash)
    with store.lock(), pytest.raises(OSError, match="power cut"):
        commit(store, "g2")
    monkeypatch.setattr(generations.os, "replace", real_replace)
    assert store.current() == old and read(store) == ("g1", "g1")
    # What the dead writer left (a build, or g2 renamed into place, and a pointer file)
    # is removed by the next writer, and the store goes on.
    assert len(list(store.snapshot.iterdir())) > 2
    with store.lock():
        assert sorted(p.name for p in store.snapshot.iterdir()) == ["CURRENT", "g1"]
        commit(store, "g3")
    assert read(store) == ("g3", "g3")


WRITER = """
import sys, time
from pathlib import Path
from tocsin.generations import GenerationStore
store = GenerationStore(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    with store.lock():
        build = store.build()
        (build / "sub").mkdir()
        (build / "a.txt").write_text(str(i))
        time.sleep(0.002)  # a generation is written in steps
        (build / "sub" / "b.txt").write_text(str(i))
        store.commit(build, f"g{i:05d}")
"""


@pytest.mark.slow
def test_readers_never_see_a_half_generation(tmp_path):
    store = GenerationStore(tmp_path / "s")
    with store.lock():
        commit(store, "g", "start")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(store.base), "60"])
    seen = set()
    try:
        while writer.poll() is None:
            a, b = read(store)
            assert a == b  # both files of one generation, never a mix or a half
            seen.add(a)
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert read(store) == ("59", "59")
    assert len(seen) > 5  # the reader really read while the writer committed


def test_pruning_keeps_the_current_generation_and_the_two_before_it(tmp_path):
    store = GenerationStore(tmp_path / "s")
    with store.lock():
        for i in range(6):
            commit(store, f"g{i}")
    assert KEEP == 3
    assert store.generations() == ["g3", "g4", "g5"]
    assert store.current().name == "g5"


def test_scratch_of_killed_writers_is_removed_by_the_next_lock_holder(tmp_path):
    store = GenerationStore(tmp_path / "s")
    with store.lock():
        commit(store, "g1")
    (store.snapshot / f"{generations.BUILD_PREFIX}999-dead" / "sub").mkdir(parents=True)
    (store.snapshot / ".CURRENT.999").write_text("g9")
    (store.snapshot / "g9").mkdir()  # renamed into place, never switched to: never read
    with store.lock():
        pass
    assert sorted(p.name for p in store.snapshot.iterdir()) == ["CURRENT", "g1"]


def test_a_second_writer_says_it_waits_for_the_lock_and_waits(tmp_path):
    base = tmp_path / "s"
    held, release = threading.Event(), threading.Event()

    def first():
        with GenerationStore(base, writer="ingest").lock():
            held.set()
            release.wait(30)

    t = threading.Thread(target=first)
    t.start()
    assert held.wait(30)
    said, got = [], threading.Event()

    def second():
        with GenerationStore(base, writer="ingest").lock(echo=said.append):
            got.set()

    t2 = threading.Thread(target=second)
    t2.start()
    time.sleep(0.3)
    assert not got.is_set()  # really waits
    assert said == ["another ingest is writing to this store; waiting for the lock ..."]
    release.set()
    t.join(30)
    t2.join(30)
    assert got.is_set()
    # Nobody holding it: no message.
    quiet = []
    with GenerationStore(base, writer="ingest").lock(echo=quiet.append):
        pass
    assert quiet == []


def test_a_reader_whose_generation_vanished_resolves_current_again(tmp_path):
    store = GenerationStore(tmp_path / "s")
    with store.lock():
        commit(store, "g1")
    calls = []

    def slow_reader(gen):
        calls.append(gen.name)
        if len(calls) == 1:  # meanwhile three commits came and g1 was pruned
            with store.lock():
                for name in ("g2", "g3", "g4"):
                    commit(store, name)
            assert not gen.exists()
            return (gen / "a.txt").read_text()
        return (gen / "a.txt").read_text()

    assert store.read(slow_reader) == "g4"
    assert calls == ["g1", "g4"]


def test_a_reader_failing_on_a_generation_that_exists_is_not_retried(tmp_path):
    store = GenerationStore(tmp_path / "s")
    with store.lock():
        commit(store, "g1")
    calls = []

    def broken(gen):
        calls.append(gen)
        raise ValueError("not about vanishing")

    with pytest.raises(ValueError):
        store.read(broken)
    assert len(calls) == 1


def test_writing_needs_the_lock_and_names_that_sort_after_the_current_one(tmp_path):
    store = GenerationStore(tmp_path / "s")
    with pytest.raises(RuntimeError, match="lock"):
        store.build()
    with store.lock():
        commit(store, "g2")
        with pytest.raises(ValueError, match="does not sort after"):
            commit(store, "g1")
        with pytest.raises(ValueError, match="does not sort after"):
            commit(store, "g2")
    assert read(store) == ("g2", "g2")
