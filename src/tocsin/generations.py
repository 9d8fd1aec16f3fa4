"""Published generations: a directory of files that readers read while one writer at a
time replaces it, with no reader ever waiting or seeing half of a write.

Both analytical stores use it: the event store (``<home>/events/``) and the
published weekly signals (``<home>/warning/``). Under a store's ``base``::

    base/write.lock           held (flock) by the one process writing
    base/snapshot/CURRENT     names the current generation
    base/snapshot/<name>/     a generation: immutable once CURRENT has named it
    base/snapshot/.build-*    a generation being written (scratch, nobody reads it)

The guarantees, the same for every user:

* **One writer at a time.** ``lock()`` takes an exclusive flock on ``write.lock``;
  a second writer says, through its ``echo``, that it is waiting for the lock and
  then waits. The kernel releases the lock when its holder dies, however it dies.
* **The switch of CURRENT is the commit.** A writer builds the next generation in
  a scratch directory (``build()``), then ``commit()`` fsyncs every file and
  directory in it, renames it into place and replaces CURRENT with ``os.replace``
  (atomic). A crash or kill at any point before that leaves the store exactly as it
  was; after it, a power cut cannot leave CURRENT naming half-written files.
* **Scratch of killed writers is removed** by the next lock holder: build
  directories, pointer files, and generations renamed into place after the current
  one that CURRENT never named (nobody has read them).
* **Readers never wait.** ``read()`` resolves CURRENT and opens the generation it
  names, with no lock. The last ``KEEP`` generations are kept, so a reader that has
  just resolved CURRENT still finds its generation; if one did vanish under a slow
  reader, ``read()`` resolves CURRENT again and retries. A pruned generation is
  renamed to scratch before it is deleted, so a reader finds it whole or not at all.

Generation names are chosen by the user and must sort in commit order (both users
name them by time); pruning keeps the newest by name.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Generations kept after a commit: the new one and the two before it, for both stores.
# A reader resolves CURRENT and then opens the files of the generation it named (and
# DuckDB expands a view's glob again at each query), so that generation must outlive
# the commits that can come meanwhile. Writers queue, so commits come back to back:
# an ingest waiting behind another commits right after it, as does a second
# `warn run`. With two old generations kept, a reader (a page, `events stats`, a
# refresh reading the events for minutes) survives two such commits without
# retrying; one slower than that retries (``read``). One old generation, as the
# signals once kept, is lost to a single queued writer; more buys little. Old
# generations cost little: the event store hard-links unchanged segments, and the
# signals' snapshot is three Parquet files.
KEEP = 3
BUILD_PREFIX = ".build-"  # scratch directories; every name starting with "." is scratch
POINTER = "CURRENT"
RETRIES = 3


class GenerationStore:
    """The generations under ``base``; ``writer`` names who writes, for the message a
    waiting writer prints ("another ingest is writing to this store ...")."""

    def __init__(self, base: Path, writer: str = "writer"):
        self.base = Path(base)
        self.snapshot = self.base / "snapshot"
        self.writer = writer
        self._locked = False

    # --- reading ----------------------------------------------------------------------

    def current(self) -> Path | None:
        """The generation CURRENT names (which may have just been removed), or None."""
        try:
            name = (self.snapshot / POINTER).read_text().strip()
        except FileNotFoundError:
            return None
        return self.snapshot / name if name else None

    def read(self, open_generation: Callable[[Path | None], T], retries: int = RETRIES) -> T:
        """``open_generation(directory)`` on the current generation (None: nothing was
        ever committed). If it fails and the generation it was given has vanished
        meanwhile (pruned after newer commits), CURRENT is resolved again, up to
        ``retries`` times; any other failure is raised as it is."""
        for attempt in range(retries + 1):
            gen = self.current()
            try:
                return open_generation(gen)
            except Exception:
                if gen is None or gen.exists() or attempt == retries:
                    raise
                time.sleep(0.02 * (attempt + 1))
        raise AssertionError("unreachable")

    # --- writing ----------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, echo: Callable[[str], None] = lambda s: None) -> Iterator[None]:
        """Hold the store's writer lock (waiting for another writer, and saying so
        through ``echo``); the scratch of killed writers is removed on entry."""
        self.base.mkdir(parents=True, exist_ok=True)
        with open(self.base / "write.lock", "a+") as fd:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                echo(f"another {self.writer} is writing to this store; "
                     "waiting for the lock ...")
                fcntl.flock(fd, fcntl.LOCK_EX)
            self._locked = True
            try:
                self.clean_scratch()
                yield
            finally:
                self._locked = False
                fcntl.flock(fd, fcntl.LOCK_UN)

    def build(self) -> Path:
        """A new, empty scratch directory for the next generation (under the lock)."""
        self._require_lock()
        path = self.snapshot / f"{BUILD_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        path.mkdir(parents=True)
        return path

    def commit(self, build: Path, name: str) -> Path:
        """Make ``build`` the generation ``name`` and point CURRENT at it: fsync, rename,
        switch, prune. Returns the generation's directory."""
        self._require_lock()
        current = self.current()
        if current is not None and name <= current.name:
            raise ValueError(f"generation {name!r} does not sort after the current "
                             f"one, {current.name!r}")
        fsync_tree(build)
        target = self.snapshot / name
        shutil.rmtree(target, ignore_errors=True)  # never named by CURRENT: scratch
        os.replace(build, target)
        pointer = self.snapshot / f".{POINTER}.{os.getpid()}"
        pointer.write_text(name)
        fsync(pointer)
        os.replace(pointer, self.snapshot / POINTER)  # the commit point
        fsync(self.snapshot)
        self.prune()
        return target

    def abandon(self, build: Path) -> None:
        shutil.rmtree(build, ignore_errors=True)

    def prune(self) -> None:
        """Keep the current generation and the KEEP - 1 before it; remove the rest."""
        current = self.current()
        if current is None:
            return
        names = self.generations()
        keep = set([n for n in names if n <= current.name][-KEEP:])
        for name in names:
            if name not in keep:
                self._remove(self.snapshot / name)

    def clean_scratch(self) -> None:
        """Remove what killed writers left: scratch entries, and generations renamed into
        place after the current one that CURRENT never named (nobody has read them)."""
        self._require_lock()
        if not self.snapshot.exists():
            return
        current = self.current()
        for p in self.snapshot.iterdir():
            unread = (current is not None and p.is_dir() and not p.name.startswith(".")
                      and p.name > current.name)
            if p.name.startswith(".") or unread:
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)

    def _remove(self, generation: Path) -> None:
        """Remove a generation at once for readers: renamed to scratch (atomic), so a
        reader finds it whole or gone, never half deleted; then deleted."""
        doomed = self.snapshot / f".{generation.name}.removed-{uuid.uuid4().hex[:8]}"
        try:
            os.rename(generation, doomed)
        except FileNotFoundError:
            return
        shutil.rmtree(doomed, ignore_errors=True)

    def generations(self) -> list[str]:
        """The names of the generations on disk, oldest first."""
        if not self.snapshot.exists():
            return []
        return sorted(p.name for p in self.snapshot.iterdir()
                      if p.is_dir() and not p.name.startswith("."))

    def _require_lock(self) -> None:
        if not self._locked:
            raise RuntimeError("the writer lock of this store is not held (use lock())")


def fsync(path: Path) -> None:
    """Flush a file's or a directory's data and metadata to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """fsync every file under ``root``, then every directory, deepest first."""
    dirs = []
    for here, _, files in os.walk(root):
        dirs.append(Path(here))
        for f in files:
            fsync(Path(here) / f)
    for d in reversed(dirs):
        fsync(d)
