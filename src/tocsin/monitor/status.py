"""What the monitor has done, per feed: for ``tocsin monitor status`` and the site's
Monitoring page (which reads it through this module, never the files themselves).

A feed's ``state`` is ``ok`` (its last run worked), ``failing`` (its last run failed;
``consecutive_failures`` says how many in a row), ``never run``, ``disabled``
(``enabled: false``) or ``not configured`` (state left by a feed since removed from the
feeds file).
"""

from __future__ import annotations

from pathlib import Path

from tocsin.errors import InputError
from tocsin.monitor import acled, config, cursors, folder, gdelt, ucdp

DESCRIBE = {"gdelt": gdelt.describe_cursor, "acled": acled.describe_cursor,
            "ucdp": ucdp.describe_cursor, "folder": folder.describe_cursor}


def cursor_text(kind: str, cursor: dict) -> str:
    describe = DESCRIBE.get(kind)
    return describe(cursor) if describe else ""


def report(home: Path) -> dict:
    """The status of every feed of the home, with the feeds file's own state."""
    home = Path(home)
    path = config.feeds_path(home)
    out = {"feeds_file": str(path), "configured": path.exists(), "config_error": None,
           "feeds": [], "runner": cursors.load_runner(home)}
    cfg = None
    try:
        cfg = config.load(path)
    except InputError as exc:
        out["config_error"] = "; ".join(str(p) for p in exc.problems[:5])
    feeds = list(cfg.feeds) if cfg else []
    ids = [f.id for f in feeds]
    for fid in cursors.known_feeds(home):
        if fid not in ids:
            ids.append(fid)
    by_id = {f.id: f for f in feeds}
    for fid in ids:
        feed = by_id.get(fid)
        try:
            state = cursors.load(home, fid)
            unreadable = None
        except config.FeedError as exc:
            state, unreadable = cursors.FeedState(id=fid), str(exc)
        kind = feed.kind if feed else state.kind
        if feed is None and not out["config_error"]:
            st = "not configured"
        elif feed is not None and not feed.enabled:
            st = "disabled"
        elif unreadable or state.consecutive_failures:
            st = "failing"
        elif state.last_run_at is None:
            st = "never run"
        else:
            st = "ok"
        row = state.as_dict() | {
            "kind": kind, "state": st,
            "enabled": bool(feed.enabled if feed else out["config_error"]),
            "every": feed.every if feed else None,
            "every_text": config.duration_text(feed.every) if feed else "",
            "url": _where(feed), "cursor_text": cursor_text(kind, state.cursor),
            "alert_after": cfg.alert_after(feed) if feed else None,
            "alerted": bool(state.alerted_at)}
        if unreadable:
            row["last_error"] = unreadable
        out["feeds"].append(row)
    out["failing"] = [r["id"] for r in out["feeds"] if r["state"] == "failing"]
    return out


def _where(feed) -> str:
    if feed is None:
        return ""
    if feed.kind == "folder":
        return str(feed.path)
    return feed.url
