"""One early-warning run: refresh the weekly signals from the event store, run the alert
rules, keep the alerts, notify the subscribers of the new ones.

``run`` is what ``tocsin warn run`` does, callable by the site or a scheduler. Where
alerts are kept is not the warning strand's business: the caller passes an
``AlertKeeper`` (the site's database, ``tocsin.web.alerts.store.SiteAlerts``), which
stores them without duplicates and sends each notification at most once.
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
        """Send ``alerts`` to ``subscribers`` (``notify.Subscribers``) and to whoever
        the keeper knows besides, each at most once; one dict per attempt."""


@dataclass
class RunResult:
    refresh: object  # tocsin.warning.signals.Refresh
    rules: int
    found: int
    stored: Stored
    new: list[dict] = field(default_factory=list)  # new alerts, JSON form
    deliveries: list[dict] = field(default_factory=list)
    notified: bool = True

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
        }


def run(home: Path, keeper: AlertKeeper, rule_files: list[Path] = (),
        since: dt.date | None = None, notify: bool = True) -> RunResult:
    """Refresh, detect, keep, notify. Rule and subscriber files are read first, so a
    bad one stops the run before anything changes."""
    from tocsin.warning import notify as notifications
    from tocsin.warning import signals
    from tocsin.warning.alerts import detect_alerts
    from tocsin.warning.rules import load_rules

    home = Path(home)
    rules = load_rules(home, list(rule_files))
    subscribers = (notifications.load_subscribers(notifications.subscribers_path(home))
                   if notify else None)
    refresh = signals.refresh(home)
    alerts = detect_alerts(home, rules, since)
    stored = keeper.save(alerts)
    new = keeper.as_dicts(stored.created) if stored.created else []
    deliveries = keeper.notify(new, subscribers) if notify and new else []
    return RunResult(refresh, len(rules), len(alerts), stored, new, deliveries, notify)
