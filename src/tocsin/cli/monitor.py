"""``tocsin monitor``: fetch the configured feeds by itself, ingest, run the warning
pipeline; ``tocsin monitor status``: what each feed has done.

``--once`` is one pass (cron, a systemd timer); without it the monitor loops until
SIGTERM. Exit codes: 0 done; 1 a feed or the warning run failed in this pass, or
another monitor holds the home (``status``: a feed is failing, or the feeds file has
problems); 2 bad input (the feeds file, with its file and line). Feeds, deployment and
the sources: docs/monitoring.md.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer

from tocsin.cli.options import Format, FormatOption, HomeOption, emit_json

app = typer.Typer(help="Monitoring that runs by itself: fetch the feeds of "
                       "<home>/feeds.yaml (GDELT, ACLED, UCDP, a watched folder), ingest "
                       "what is new, run the warning pipeline and notify.",
                  invoke_without_command=True, no_args_is_help=False)


class _Stderr(logging.StreamHandler):
    """The log, to whatever ``sys.stderr`` is when a line is written (journald, cron's
    mail, a test's capture)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _logging(level: int) -> None:
    """The monitor's log to stderr: retries, failures, alerts (WARNING); in the loop also
    what each feed did (INFO). Secrets never reach it (``tocsin.monitor.fetch``)."""
    logger = logging.getLogger("tocsin.monitor")
    logger.setLevel(level)
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                               "%Y-%m-%dT%H:%M:%S"))
        logger.addHandler(handler)
        logger.propagate = False


@app.callback(invoke_without_command=True)
def monitor(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="One pass over the due feeds, then exit "
                                                    "(for cron or a systemd timer)."),
    feed: list[str] = typer.Option([], "--feed", help="Only this feed, due or not "
                                                      "(repeatable)."),
    run_all: bool = typer.Option(False, "--all", help="Every feed now, due or not."),
    warn: bool = typer.Option(True, "--warn/--no-warn",
                              help="Run the warning pipeline (and its notifications) after "
                                   "a pass that stored events."),
    home: HomeOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Fetch the configured feeds: one pass (--once) or a loop until SIGTERM."""
    if ctx.invoked_subcommand is not None:
        return
    from tocsin.config import home as resolve_home
    from tocsin.monitor import config as feeds_config

    where = resolve_home(home)
    path = feeds_config.feeds_path(where)
    cfg = feeds_config.load(path)  # InputError (file and line) -> exit 2
    if cfg is None or not any(f.enabled for f in cfg.feeds):
        _nothing(path, cfg, fmt)
        if once or cfg is None:
            return
    from tocsin.config import ensure_home

    where = ensure_home(where)
    keeper, admins = _edges(where, warn)
    if once:
        _once(where, cfg, keeper, admins, tuple(feed), run_all, fmt)
    else:
        _loop(where, path, keeper, admins, fmt)


def _nothing(path: Path, cfg, fmt: Format) -> None:
    if cfg is None:
        text = (f"no feeds configured: {path} does not exist, so Tocsin fetches nothing by "
                "itself (see docs/monitoring.md); nothing done")
    else:
        text = f"no feed is enabled in {path}; nothing done"
    if fmt is Format.json:
        emit_json({"configured": cfg is not None, "feeds_file": str(path), "feeds": [],
                   "message": text})
    else:
        typer.echo(text)


def _edges(home: Path, warn: bool):
    """What the core monitor needs from the site: the keeper of alerts, and who the
    administrators are (both imported only here: the core never imports the site)."""
    keeper = None
    if warn:
        from tocsin.web.alerts.keeper import SiteAlerts

        keeper = SiteAlerts(home)

    def admins() -> list[str]:
        from tocsin.web.monitoring.admins import emails

        return emails(home)

    return keeper, admins


def _once(home, cfg, keeper, admins, only, run_all, fmt) -> None:
    from tocsin.monitor.lock import MonitorBusy
    from tocsin.monitor.run import once

    _logging(logging.WARNING)
    try:
        report = once(home, cfg, keeper, only=only, force=run_all, admins=admins)
    except MonitorBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    if fmt is Format.json:
        emit_json(report.as_dict())
    else:
        for line in pass_lines(report):
            typer.echo(line)
    if report.failed:
        raise typer.Exit(1)


def _loop(home, path, keeper, admins, fmt) -> None:
    import datetime as dt
    import threading

    from tocsin.monitor import config as feeds_config
    from tocsin.monitor.fetch import Stopped
    from tocsin.monitor.lock import MonitorBusy
    from tocsin.monitor.run import loop, stop_on_signals

    _logging(logging.INFO)
    stop = threading.Event()
    restore = stop_on_signals(stop)

    def say(text: str) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        typer.echo(f"{stamp} {text}")

    def on_pass(report) -> None:
        if fmt is Format.json:
            import json

            typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, default=str))
            return
        for line in pass_lines(report):
            say(line)

    say(f"monitor started on {home} (feeds: {path}); SIGTERM stops it")
    try:
        loop(home, lambda: feeds_config.load(path), keeper, stop=stop, on_pass=on_pass,
             say=say, admins=admins)
    except MonitorBusy as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    except Stopped:
        say("stopped at once (second signal)")
    finally:
        restore()


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def pass_lines(report) -> list[str]:
    lines = []
    for f in report.feeds:
        if f.status == "skipped":
            when = f" (next run {f.next_run_at})" if f.next_run_at else ""
            lines.append(f"{f.id:14} {f.kind:7} {f.note}{when}")
            continue
        stored = (f"{_count(f.files, 'file')}, {_count(f.events, 'event')} stored"
                  if f.files else "nothing stored")
        head = f"{f.id:14} {f.kind:7} {f.status.upper() if f.status != 'ok' else 'ok':7} "
        lines.append(f"{head}{stored}; {f.note} [{f.seconds:.1f} s]")
        if f.error:
            lines.append(f"{'':23}error: {f.error}"
                         + (f" ({f.consecutive_failures} failures in a row)"
                            if f.consecutive_failures > 1 else ""))
    w = report.warning
    if w:
        s = w["signals"]
        line = (f"warning run: {s.get('new_batches', 0)} new batch(es), "
                f"{s.get('rows', 0):,} signal rows; "
                f"{w['rules']} rules: {w['alerts_found']} alerts found, {w['alerts_new']} new, "
                f"{w['alerts_updated']} updated")
        if w["notify"]:
            line += (f"; notifications: {w['notifications_sent']} sent to "
                     f"{w['notified_subscribers']} subscriber(s)"
                     + (f", {w['notifications_failed']} failed"
                        if w["notifications_failed"] else ""))
        lines.append(line)
    elif report.warning_error:
        lines.append(f"warning run FAILED (tried again at the next pass): "
                     f"{report.warning_error}")
    elif report.feeds and not report.stored and not report.stopped:
        lines.append("nothing new stored: no warning run")
    for a in report.alerts_sent:
        lines.append(f"administrators told ({', '.join(a['to'])}): {a['subject']}")
    for e in report.alert_errors:
        lines.append(f"alert to administrators: {e}")
    if report.stopped:
        lines.append("stopped before the end of the pass (SIGTERM); what was stored is kept")
    return lines


@app.command()
def status(home: HomeOption = None, fmt: FormatOption = Format.text) -> None:
    """Per feed: state, last success, last error, cursor, files and events, next run
    (exit 1 if a feed is failing or the feeds file has problems)."""
    from tocsin.config import home as resolve_home
    from tocsin.monitor.status import report

    data = report(resolve_home(home))
    if fmt is Format.json:
        emit_json(data)
    else:
        for line in status_lines(data):
            typer.echo(line)
    if data["failing"] or data["config_error"]:
        raise typer.Exit(1)


def status_lines(data: dict) -> list[str]:
    if not data["configured"] and not data["feeds"]:
        return [f"no feeds configured ({data['feeds_file']} does not exist): Tocsin fetches "
                "nothing by itself"]
    lines = [f"feeds: {data['feeds_file']}"]
    if data["config_error"]:
        lines.append(f"  the feeds file has problems: {data['config_error']}")
    runner = data.get("runner") or {}
    if runner.get("last_pass_finished_at"):
        lines.append(f"last pass: {runner['last_pass_finished_at']} ({runner.get('mode')}, "
                     f"pid {runner.get('pid')})")
    warning = runner.get("warning") or {}
    if warning.get("last_run_at") or warning.get("last_error"):
        text = f"last warning run: {warning.get('last_run_at') or 'never'}"
        if warning.get("last_error"):
            text += f"; last error ({warning.get('last_error_at')}): {warning['last_error']}"
        if warning.get("pending"):
            text += "; due at the next pass"
        lines.append(text)
    for r in data["feeds"]:
        every = f", every {r['every_text']}" if r["every_text"] else ""
        lines.append("")
        lines.append(f"{r['id']} ({r['kind']}{every}): {r['state']}"
                     + (f", {r['consecutive_failures']} failure(s) in a row"
                        if r["consecutive_failures"] else ""))
        lines.append(f"  last success: {r['last_success_at'] or 'never'}; next run: "
                     f"{r['next_run_at'] or ('at the next pass' if r['enabled'] else '-')}")
        lines.append(f"  cursor: {r['cursor_text']}")
        lines.append(f"  ingested: {_count(r['files_ingested'], 'file')}, "
                     f"{_count(r['events_ingested'], 'event')} (last run: "
                     f"{_count(r['last_files'], 'file')}, {_count(r['last_events'], 'event')}"
                     f"; {r['last_note'] or '-'})")
        if r["last_error"]:
            lines.append(f"  last error ({r['last_error_at']}): {r['last_error']}"
                         + ("; administrators were told" if r["alerted"] else ""))
    return lines
