"""The site's database as the keeper of a warning run's alerts
(``tocsin.warning.run.AlertKeeper``), for ``tocsin warn run`` and a scheduler.

Importable before Django is set up: it sets Django up for its home when it first keeps
an alert, so a run whose rule or subscriber files are refused has not touched the
database.
"""

from __future__ import annotations

from pathlib import Path


class SiteAlerts:
    def __init__(self, home: Path):
        self.home = home

    def save(self, alerts: list):
        return self._store().save(alerts)

    def as_dicts(self, ids: list[int]) -> list[dict]:
        from tocsin.warning.lifecycle import as_dict

        return [as_dict(r) for r in self._store().query(ids=ids)]

    def group(self, settings, clock, notify: bool = True) -> dict:
        self._store()
        from tocsin.web.alerts.grouping import group

        return group(settings, clock, notify).as_dict()

    def watch_points(self) -> list:
        self._store()
        from tocsin.web.alerts.strands import watch_points

        return watch_points()

    def notify(self, alerts: list[dict], subscribers) -> list[dict]:
        self._store()
        from tocsin.web.alerts.delivery import deliver_new

        return deliver_new(alerts, subscribers)

    def _store(self):
        from tocsin.web import setup

        setup(self.home)
        from tocsin.web.alerts import store

        return store
