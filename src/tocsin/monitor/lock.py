"""One monitor per home: an exclusive flock on ``<home>/monitor/monitor.lock``, taken
without waiting. A second monitor (a cron line that fires while the last run still
works, a loop started twice) is told who holds it and does nothing. The kernel releases
the lock when its holder dies, however it dies."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from tocsin.monitor.cursors import monitor_dir


class MonitorBusy(Exception):
    def __init__(self, path: Path, holder: str):
        who = f" (pid {holder})" if holder else ""
        super().__init__(f"another monitor is running on this home{who}: it holds {path}; "
                         "nothing done")
        self.holder = holder


def lock_path(home: Path) -> Path:
    return monitor_dir(home) / "monitor.lock"


@contextlib.contextmanager
def hold(home: Path) -> Iterator[None]:
    path = lock_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fd:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fd.seek(0)
            raise MonitorBusy(path, fd.read().strip()[:20]) from None
        try:
            fd.seek(0)
            fd.truncate()
            fd.write(str(os.getpid()))
            fd.flush()
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
