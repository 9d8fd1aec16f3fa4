"""One early-warning run: refresh the weekly signals from the event store, run the alert
rules (and the watch points of the assessments in force), keep the alerts, group them
into situations, notify the subscribers of the situations' changes.

``run`` is what ``tocsin warn run`` does, callable by the site or a scheduler. Where
alerts are kept is not the warning strand's business: the caller passes an
``AlertKeeper`` (the site's database, ``tocsin.web.alerts.keeper.SiteAlerts``), which
stores them without duplicates, groups them by the strand's rules
(``tocsin.warning.situations``) and sends each notification once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass
class Stored:
    created: list[int]  # ids of alerts new in this run
    updated: int  # alerts found again whose evidence changed
    unchanged: int


class AlertKeeper(Protocol):
    def save(self, alerts: list) -> Stored:
        """Keep ``alerts`` (``tocsin.warning.alerts.Alert``): new ones added, known ones
        refreshed, nothing a person decided undone."""

    def as_dicts(self, ids: list[int]) -> list[dict]:
        """The kept alerts ``ids`` in their JSON form (``lifecycle.as_dict``)."""

    def notify(self, alerts: list[dict], subscribers) -> list[dict]:
        """Send what is to be sent about the situations' changes to ``subscribers``
        (``notify.Subscribers``) and to whoever the keeper knows besides, each notice
        once; one dict per message tried."""

    # Optional (a keeper without them keeps alerts only, as before situations):

    def group(self, settings, clock: dict[str, dt.date], notify: bool) -> dict:
        """Put the kept alerts that are in no situation into one
        (``situations.advance`` with ``settings``; ``clock``: per country, the last week
        the sources cover) and store the decisions (``notify=False``: not to be sent);
        a summary."""

    def watch_points(self) -> list:
        """The watch points (``assessment_warnings.WatchPoint``) of the assessments in
        force that name alert rules."""


@dataclass
class RunResult:
    refresh: object  # tocsin.warning.signals.Refresh
    rules: int
    found: int
    stored: Stored
    new: list[dict] = field(default_factory=list)  # new alerts, JSON form
    deliveries: list[dict] = field(default_factory=list)
    notified: bool = True
    situations: dict = field(default_factory=dict)  # what grouping did (keeper.group)

    @property
    def reached(self) -> list[str]:
        return sorted({d["subscriber"] for d in self.deliveries if d["ok"]})

    def as_dict(self) -> dict:
        r = self.refresh
        return {
            "signals": {"new_batches": r.new_batches, "weeks_recomputed": r.dirty_weeks,
                        "rows": r.signal_rows, "full_rebuild": r.full},
            "rules": self.rules, "alerts_found": self.found,
            "alerts_new": len(self.stored.created), "alerts_updated": self.stored.updated,
            "alerts_unchanged": self.stored.unchanged, "notifications": self.deliveries,
            "notified_subscribers": len(self.reached), "new": self.new,
            "situations": self.situations,
        }


def run(home: Path, keeper: AlertKeeper, rule_files: list[Path] = (),
        since: dt.date | None = None, notify: bool = True) -> RunResult:
    """Refresh, detect, keep, group, notify. Rule and subscriber files are read first,
    so a bad one stops the run before anything changes."""
    from tocsin.warning import notify as notifications
    from tocsin.warning import signals
    from tocsin.warning.alerts import detect_alerts
    from tocsin.warning.assessment_warnings import watch_point_alerts
    from tocsin.warning.rules import load_rules_and_settings

    home = Path(home)
    rules, settings = load_rules_and_settings(home, list(rule_files))
    subscribers = (notifications.load_subscribers(notifications.subscribers_path(home))
                   if notify else None)
    refresh = signals.refresh(home)
    alerts = detect_alerts(home, rules, since)
    found = len(alerts)
    points = keeper.watch_points() if hasattr(keeper, "watch_points") else []
    alerts += watch_point_alerts(points, alerts, settings.assessments)
    stored = keeper.save(alerts)
    grouped = (keeper.group(settings.situations, data_clock(home), notify)
               if hasattr(keeper, "group") else {})
    new = keeper.as_dicts(stored.created) if stored.created else []
    deliveries = keeper.notify(new, subscribers) if notify else []
    return RunResult(refresh, len(rules), found, stored, new, deliveries, notify, grouped)


def data_clock(home: Path) -> dict[str, dt.date]:
    """Per country, the last week some source's files cover: a situation closes only
    once the data show its quiet weeks."""
    from tocsin.warning.signals import connect_snapshot

    db = connect_snapshot(home)
    try:
        rows = db.execute("SELECT country, max(last_week) FROM coverage GROUP BY country"
                          ).fetchall()
    finally:
        db.close()
    return {c: (w.date() if isinstance(w, dt.datetime) else w) for c, w in rows if w}
