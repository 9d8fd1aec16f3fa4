"""One pass of the monitor, and the loop.

A pass (``tocsin monitor --once``, for cron or a systemd timer) runs every due feed in
the order of the feeds file, each on its own: a feed that fails is recorded (its
status, the log) and the next one runs. Then, if any feed stored events (or a pass
before stored some and its warning run did not finish), the warning pipeline runs
(``tocsin.warning.run.run``: signals, rules, alerts kept by the keeper the caller
passes, notifications). Last, administrators are told of feeds that have failed too
many runs in a row (``alerting``).

The loop (``tocsin monitor``) holds the home's lock, runs a pass, sleeps until the next
feed is due (re-reading the feeds file each time), and stops on SIGTERM or SIGINT: the
first signal lets the work in hand reach its next safe point (between two files or
pages, or within a download, whose partial file is removed); a second one stops at once.
Either way nothing half-fetched is stored, and every cursor is where the store is.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import smtplib
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tocsin.errors import InputError
from tocsin.monitor import acled, alerting, cursors, folder, gdelt, ucdp
from tocsin.monitor.common import FeedContext
from tocsin.monitor.config import FeedError, FeedsConfig, duration_text
from tocsin.monitor.fetch import FetchError, Http, Stopped, waiting_on_network
from tocsin.monitor.lock import hold

log = logging.getLogger("tocsin.monitor")
SOURCES = {"gdelt": gdelt, "acled": acled, "ucdp": ucdp, "folder": folder}
SLACK = 60.0  # a feed due within this (or 5% of its interval) runs now: cron drifts


@dataclass
class FeedReport:
    id: str
    kind: str
    status: str  # ok | failed | skipped (not due) | stopped
    files: int = 0
    events: int = 0
    fetched: int = 0
    already: int = 0
    note: str = ""
    error: str | None = None
    seconds: float = 0.0
    next_run_at: str | None = None
    consecutive_failures: int = 0
    batches: list[dict] = field(default_factory=list)


@dataclass
class PassReport:
    started_at: str
    finished_at: str | None = None
    feeds: list[FeedReport] = field(default_factory=list)
    warning: dict | None = None  # the warning run's figures, if it ran
    warning_error: str | None = None
    alerts_sent: list[dict] = field(default_factory=list)  # e-mails to administrators
    alert_errors: list[str] = field(default_factory=list)
    stopped: bool = False

    @property
    def failed(self) -> bool:
        return any(f.status == "failed" for f in self.feeds) or bool(self.warning_error)

    @property
    def stored(self) -> bool:
        return any(f.files for f in self.feeds)

    def as_dict(self) -> dict:
        return asdict(self) | {"failed": self.failed}


Admins = Callable[[], list[str]]


def due(state: cursors.FeedState, every: float, now: dt.datetime) -> bool:
    nxt = cursors.parse_iso(state.next_run_at)
    return nxt is None or now >= nxt - dt.timedelta(seconds=min(SLACK, 0.05 * every))


def once(home: Path, config: FeedsConfig, keeper=None, **options) -> PassReport:
    """One pass under the home's lock (``MonitorBusy`` if another monitor holds it)."""
    with hold(home):
        return run_pass(home, config, keeper, mode="once", **options)


def run_pass(home: Path, config: FeedsConfig, keeper=None, *, only: tuple[str, ...] = (),
             force: bool = False, stop: Callable[[], bool] = lambda: False,
             admins: Admins | None = None, clock: Callable[[], dt.datetime] = cursors.now,
             mode: str = "once") -> PassReport:
    """Run the due feeds (``only`` these, ``force``: due or not), the warning pipeline,
    the administrators' alerts. The caller holds the lock."""
    home = Path(home)
    unknown = [f for f in only if config.feed(f) is None]
    if unknown:
        raise InputError.single("--feed", f"no feed {unknown[0]!r} in {config.file} (known: "
                                          f"{', '.join(f.id for f in config.feeds) or 'none'})")
    report = PassReport(started_at=cursors.iso(clock()))
    runner = cursors.load_runner(home)
    warning = runner.get("warning", {})
    for feed in config.feeds:
        if only and feed.id not in only:
            continue
        if not feed.enabled:
            report.feeds.append(FeedReport(feed.id, feed.kind, "skipped", note="disabled"))
            continue
        if stop():
            report.stopped = True
            break
        try:
            state = cursors.load(home, feed.id)
        except FeedError as exc:
            report.feeds.append(FeedReport(feed.id, feed.kind, "failed", error=str(exc)))
            log.error("feed %s: %s", feed.id, exc)
            continue
        if not (force or only) and not due(state, feed.every, clock()):
            report.feeds.append(FeedReport(feed.id, feed.kind, "skipped", note="not due",
                                           next_run_at=state.next_run_at,
                                           consecutive_failures=state.consecutive_failures))
            continue
        fr = _run_feed(home, config, feed, state, stop, clock)
        report.feeds.append(fr)
        if fr.files and config.warn.run:
            warning["pending"] = True  # remembered should this process die before it runs
            cursors.save_runner(home, {**runner, "warning": warning})
        if fr.status == "stopped":
            report.stopped = True
            break
    if (config.warn.run and keeper is not None and warning.get("pending")
            and not stop()):
        _warn(home, config, keeper, report, warning, clock)
    if not report.stopped:
        _alert_admins(home, config, report, admins, clock)
    report.finished_at = cursors.iso(clock())
    cursors.save_runner(home, {
        "pid": os.getpid(), "mode": mode, "last_pass_started_at": report.started_at,
        "last_pass_finished_at": report.finished_at,
        "last_pass": [{"id": f.id, "status": f.status, "files": f.files, "events": f.events,
                       "note": f.note, "error": f.error} for f in report.feeds],
        "warning": warning})
    return report


def _run_feed(home, config, feed, state, stop, clock) -> FeedReport:
    http = Http(retry=config.retry_for(feed), stop=stop)
    ctx = FeedContext(home, feed, state, http, stop)
    started, t0 = clock(), time.monotonic()
    state.kind = feed.kind
    state.last_run_at = cursors.iso(started)
    status, error = "ok", None
    try:
        SOURCES[feed.kind].run(ctx)
    except Stopped:
        status = "stopped"
    except Exception as exc:  # noqa: BLE001 (a feed's failure must never stop the others)
        status, error = "failed", http.scrub(describe(exc))
        if not isinstance(exc, FeedError | FetchError | InputError | OSError):
            log.error("feed %s: unexpected failure\n%s", feed.id, http.scrub(
                "".join(traceback.format_exception(exc))))
    finally:
        ctx.clean_scratch()
    out = ctx.outcome
    state.last_files, state.last_events = out.files, out.events
    note = out.note
    if status == "ok":
        state.last_success_at = cursors.iso(started)
        state.consecutive_failures = 0
        state.alerted_at = None
        state.next_run_at = cursors.iso(started + dt.timedelta(seconds=feed.every))
    elif status == "failed":
        state.consecutive_failures += 1
        state.failures_total += 1
        state.last_error, state.last_error_at = error, cursors.iso(clock())
        state.next_run_at = cursors.iso(started + dt.timedelta(seconds=feed.every))
        note = f"{note}; failed" if out.notes else "failed"
    else:
        note = f"{note}; stopped" if out.notes else "stopped"
    state.last_note = note
    cursors.save(home, state)
    fr = FeedReport(feed.id, feed.kind, status, out.files, out.events, out.fetched, out.already,
                    note, error, round(time.monotonic() - t0, 2), state.next_run_at,
                    state.consecutive_failures, out.batches)
    if status == "failed":
        log.warning("feed %s (%s) failed (%d in a row): %s", feed.id, feed.kind,
                    state.consecutive_failures, error)
    else:
        log.info("feed %s (%s): %s", feed.id, feed.kind, note)
    return fr


def describe(exc: BaseException) -> str:
    if isinstance(exc, InputError):
        shown = [str(p) for p in exc.problems[:5]]
        more = len(exc.problems) - len(shown)
        return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
    if isinstance(exc, FeedError | FetchError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    return f"{type(exc).__name__}: {exc}"


def _warn(home, config, keeper, report: PassReport, warning: dict, clock) -> None:
    from tocsin.warning.run import run as warning_run

    try:
        result = warning_run(home, keeper, notify=config.warn.notify)
    except Exception as exc:  # noqa: BLE001 (reported; the feeds' work is stored)
        report.warning_error = describe(exc)
        warning.update(last_error=report.warning_error, last_error_at=cursors.iso(clock()))
        log.error("warning run failed (tried again at the next pass): %s", report.warning_error)
        return
    d = result.as_dict()
    sent = d.get("notifications") or []
    report.warning = {
        "signals": d.get("signals", {}), "rules": d.get("rules", 0),
        "alerts_found": d.get("alerts_found", 0), "alerts_new": d.get("alerts_new", 0),
        "alerts_updated": d.get("alerts_updated", 0),
        "alerts_unchanged": d.get("alerts_unchanged", 0),
        "notifications_sent": sum(1 for n in sent if n.get("ok")),
        "notifications_failed": sum(1 for n in sent if not n.get("ok")),
        "notified_subscribers": d.get("notified_subscribers", 0),
        "notify": getattr(result, "notified", config.warn.notify)}
    if d.get("situations"):
        report.warning["situations"] = d["situations"]
    warning.update(pending=False, last_run_at=cursors.iso(clock()), last_result=report.warning,
                   last_error=None)
    log.info("warning run: %s alerts found, %s new, %s notification(s) sent",
             d["alerts_found"], d["alerts_new"], report.warning["notifications_sent"])


def _alert_admins(home, config: FeedsConfig, report: PassReport, admins, clock) -> None:
    site: list[str] | None = None
    for feed in config.feeds:
        if not feed.enabled:
            continue
        try:
            state = cursors.load(home, feed.id)
        except FeedError:
            continue
        if state.consecutive_failures < config.alert_after(feed) or state.alerted_at:
            continue
        if site is None:
            site = []
            if config.alerts.site_admins and admins is not None:
                try:
                    site = list(admins())
                except Exception as exc:  # noqa: BLE001 (the configured addresses still get it)
                    report.alert_errors.append(f"cannot list the site's administrators: {exc}")
        to = alerting.recipients(config.alerts.email, site)
        if not to:
            msg = (f"feed {feed.id} has failed {state.consecutive_failures} times in a row, "
                   "and there is no address to tell (alerts.email in the feeds file, or an "
                   "administrator with an e-mail address in the site)")
            report.alert_errors.append(msg)
            log.warning("%s", msg)
            continue
        subject, text = alerting.message_text(feed.id, feed.kind, state,
                                              SOURCES[feed.kind].describe_cursor(state.cursor),
                                              home)
        try:
            alerting.send(home, to, subject, text)
        except (OSError, smtplib.SMTPException, InputError) as exc:
            msg = f"the alert about feed {feed.id} could not be sent: {describe(exc)}"
            report.alert_errors.append(msg)
            log.error("%s (tried again at the next pass)", msg)
            continue
        state.alerted_at = cursors.iso(clock())
        cursors.save(home, state)
        report.alerts_sent.append({"feed": feed.id, "to": to, "subject": subject})
        log.warning("told %s that feed %s keeps failing", ", ".join(to), feed.id)


# --- the loop ----------------------------------------------------------------------------


def seconds_to_next(home: Path, config: FeedsConfig, now: dt.datetime,
                    longest: float) -> float:
    waits = []
    for feed in config.feeds:
        if not feed.enabled:
            continue
        try:
            nxt = cursors.parse_iso(cursors.load(home, feed.id).next_run_at)
        except FeedError:
            continue
        waits.append(0.0 if nxt is None else (nxt - now).total_seconds())
    return max(1.0, min([longest, *waits]))


def loop(home: Path, load_config: Callable[[], FeedsConfig | None], keeper=None, *,
         stop: threading.Event, on_pass: Callable[[PassReport], None] = lambda r: None,
         say: Callable[[str], None] = lambda s: None, admins: Admins | None = None,
         longest_sleep: float = 300.0, clock: Callable[[], dt.datetime] = cursors.now) -> None:
    """Pass after pass until ``stop`` is set. The feeds file is read again before each
    pass (a broken edit is reported and the last good version kept)."""
    with hold(home):
        config: FeedsConfig | None = None
        said_nothing = False
        while not stop.is_set():
            try:
                config = load_config()
            except InputError as exc:
                say("the feeds file has problems; keeping the last good one: "
                    + describe(exc))
                if config is None:
                    stop.wait(longest_sleep)
                    continue
            if config is None or not any(f.enabled for f in config.feeds):
                if not said_nothing:
                    say("no feeds are configured: nothing to fetch; waiting for a feeds file")
                    said_nothing = True
                stop.wait(longest_sleep)
                continue
            said_nothing = False
            report = run_pass(home, config, keeper, stop=stop.is_set, admins=admins,
                              clock=clock, mode="loop")
            on_pass(report)
            if stop.is_set():
                break
            wait = seconds_to_next(home, config, clock(), longest_sleep)
            say(f"next pass in {duration_text(round(wait))}")
            stop.wait(wait)
        say("stopped")


def stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    """SIGTERM and SIGINT set ``stop``; a second one stops at once (``Stopped``). Returns
    a function that puts the old handlers back."""
    old = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}

    def handler(signum, frame):
        again = stop.is_set()
        stop.set()
        if again or waiting_on_network():
            raise Stopped()  # safe here: see fetch.waiting_on_network
        log.warning("signal %d: stopping at the next safe point", signum)

    for s in old:
        signal.signal(s, handler)

    def restore():
        for s, h in old.items():
            signal.signal(s, h)

    return restore
