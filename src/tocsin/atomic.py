"""Writing a file so that it is never half-written: into a temporary file beside it,
flushed to disk, then renamed over it (``os.replace`` is atomic on one file system).
Every output file of Tocsin is written here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path | str, data: str | bytes, mode: int | None = None) -> Path:
    """Write ``data`` (text as UTF-8) to ``path``; on any error the old file, if there
    was one, is left as it was. ``mode`` defaults to the usual one (0666 less umask)."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                               dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file 0600; give it the mode asked for, or the usual one.
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def temporary_beside(path: Path | str) -> Path:
    """A name beside ``path`` for a tool that writes a file itself (DuckDB's COPY):
    write there, then ``os.replace`` it over ``path``."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
