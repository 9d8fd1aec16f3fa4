"""A watched folder: event files dropped into it are ingested once each, then moved to
``done/``, or to ``rejected/`` with the reason beside them (``<name>.reason.txt``).

For deployments whose data arrive by other means (a courier's USB stick, a nightly
copy from an air-gapped mirror, a partner's export). Each file is one ingest of its
own, so a bad file never holds back the good ones; a file the store already holds
(the same bytes) goes to ``done/`` too, with a note. Not picked up: directories,
symbolic links, hidden files (``.name``), names ending in ``.part``, ``.tmp``,
``.partial``, ``.crdownload`` or ``.reason.txt``, and files changed in the last
``settle`` seconds (they may still be being copied; write them under a temporary name
and rename them into the folder to be safe). A failure that is not the file's fault
(a full disk) leaves the file where it is, for the next run.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from tocsin.monitor.common import FeedContext
from tocsin.monitor.config import FeedError

SKIPPED_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", ".reason.txt")


def describe_cursor(cursor: dict) -> str:
    if not cursor:
        return "no file seen yet"
    text = f"{cursor.get('done', 0)} file(s) done, {cursor.get('rejected', 0)} rejected"
    if cursor.get("last_file"):
        text += f"; last: {cursor['last_file']}"
    return text


def waiting(folder: Path, settle: float) -> list[Path]:
    """The files ready to be ingested, oldest first."""
    if not folder.is_dir():
        return []
    now = time.time()
    out = []
    for p in folder.iterdir():
        name = p.name
        if name.startswith(".") or name.lower().endswith(SKIPPED_SUFFIXES):
            continue
        if p.is_symlink() or not p.is_file():
            continue
        st = p.stat()
        if now - st.st_mtime < settle:
            continue
        out.append((st.st_mtime, name, p))
    return [p for _, _, p in sorted(out)]


def run(ctx: FeedContext) -> None:
    from tocsin.errors import InputError

    feed = ctx.feed
    folder = Path(feed.path)
    if not folder.is_dir():
        raise FeedError(f"the watched folder {folder} does not exist")
    done, rejected = folder / "done", folder / "rejected"
    cursor = ctx.state.cursor
    n_done = n_rejected = 0
    for path in waiting(folder, feed.settle):
        ctx.check_stop()
        try:
            results = ctx.ingest([path], source=feed.source, mapping=feed.mapping)
        except InputError as exc:
            target = _move(path, rejected)
            reason = "\n".join(str(p) for p in exc.problems)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            (target.parent / f"{target.name}.reason.txt").write_text(
                f"{target.name} was rejected by tocsin monitor (feed {feed.id}) on {stamp}:\n"
                f"{reason}\n", encoding="utf-8")
            n_rejected += 1
            cursor["rejected"] = cursor.get("rejected", 0) + 1
        else:
            _move(path, done)
            if results and results[0].status == "already-ingested":
                ctx.note(f"{path.name}: already in the store (batch {results[0].batch_id})")
            n_done += 1
            cursor["done"] = cursor.get("done", 0) + 1
        cursor["last_file"] = path.name
        ctx.save()
    if n_done or n_rejected:
        ctx.note(f"{n_done} file(s) done, {n_rejected} rejected")


def _move(path: Path, folder: Path) -> Path:
    """Move ``path`` into ``folder`` without overwriting an earlier file of that name."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists() or Path(f"{target}.reason.txt").exists():
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    os.replace(path, target)
    return target
