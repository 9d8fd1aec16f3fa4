"""Alert lifecycle in the site's database, for the command line and the site alike.

new -> acknowledged | dismissed (with a reason) | escalated | closed; the allowed
moves are ``tocsin.web.alerts.models.TRANSITIONS``. Storing is an upsert on the
alert's key, so re-running detection never duplicates an alert and never undoes
a person's decision. Every write goes to the site's audit log.

This is the only module of ``tocsin.warning`` that imports Django. ``connect(home)``
sets Django up with Tocsin's settings for that home (``tocsin.web`` has no public
setup helper yet; this mirrors what ``tocsin manage`` does) and applies migrations.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tocsin.errors import InputError, Problem

_migrated: set[str] = set()
PARKED: list = []  # (settings, open connection) of in-memory databases switched away from


def connect(home: Path | str | None) -> None:
    """Make the Django ORM point at the database of ``home`` and bring it up to date."""
    from tocsin.home import resolve_home

    home = resolve_home(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tocsin.web.settings")
    from django.conf import settings

    if not settings.configured or not _django_ready():
        os.environ["TOCSIN_HOME"] = str(home)
        import django

        django.setup()
    from django.db import connections

    from tocsin.web import config

    # Already set up for another home in this process (tests, a long-running
    # process serving several homes): point the default database at this one.
    wanted = config.database(os.environ.get("TOCSIN_DATABASE_URL"), home)
    conn = connections["default"]
    current = conn.settings_dict
    if any(current.get(k) != wanted.get(k) for k in ("ENGINE", "NAME", "HOST", "PORT")):
        if conn.connection is not None and conn.is_in_memory_db():
            # Closing would destroy an in-memory database (a test run's): keep it
            # open, set aside, so whoever switched here can put it back.
            PARKED.append((dict(current), conn.connection))
            conn.connection = None
        else:
            conn.close()
        current.update(wanted)
    label = f"{current['ENGINE']}|{current['NAME']}|{current.get('HOST', '')}"
    if label not in _migrated:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        _migrated.add(label)


def _django_ready() -> bool:
    from django.apps import apps

    return apps.ready


@dataclass
class Stored:
    created: list[int]  # ids of alerts new in this run
    updated: int  # alerts found again whose evidence changed
    unchanged: int


FIELDS = ("rule_name", "severity", "baseline", "source", "country", "level", "unit",
          "figures", "event_ids", "event_count", "indicators", "triggers", "options")


def store(home, alerts) -> Stored:
    """Insert new alerts and refresh the evidence of known ones, in one transaction."""
    connect(home)
    from django.db import transaction
    from django.utils import timezone

    from tocsin.web.alerts.models import Alert
    from tocsin.web.audit.signals import record

    created, updated, unchanged = [], 0, 0
    with transaction.atomic():
        known = {a.key: a for a in Alert.objects.filter(key__in=[x.key for x in alerts])}
        for a in alerts:
            values = {f: getattr(a, f) for f in FIELDS}
            values["rule"] = a.rule
            values["week"] = a.week
            row = known.get(a.key)
            if row is None:
                row = Alert.objects.create(key=a.key, **values)
                record("create", row, None, _snap(row), object_type="alert")
                created.append(row.pk)
                continue
            before = {f: getattr(row, f) for f in FIELDS}
            if before == {f: values[f] for f in FIELDS}:
                unchanged += 1
                continue
            for f in FIELDS:
                setattr(row, f, values[f])
            row.updated_at = timezone.now()
            row.save()
            record("update", row, _snap_values(before), _snap(row), object_type="alert")
            updated += 1
    return Stored(created, updated, unchanged)


def _snap(row) -> dict:
    return {"key": row.key, "status": row.status, "severity": row.severity,
            "figures": row.figures, "event_count": row.event_count, "reason": row.reason}


def _snap_values(values: dict) -> dict:
    return {"severity": values["severity"], "figures": values["figures"],
            "event_count": values["event_count"]}


def change_status(home, alert_id: int, to: str, reason: str = "", actor: str | None = None):
    """Move an alert to ``to`` in the database of ``home`` (the command line's entry)."""
    connect(home)
    name = actor
    if name is None:
        from tocsin.web.audit.context import current

        name = current()[2]
        if name == "system":
            user = os.environ.get("USER")
            name = f"{user} (command line)" if user else "command line"
    return transition(alert_id, to, reason, name)


def transition(alert_id: int, to: str, reason: str, name: str):
    """Move an alert to ``to`` on the database Django is connected to (the site calls
    this directly); raise InputError if there is no such alert or the move is not
    allowed (dismissing without a reason, reopening a closed alert, ...)."""
    from django.db import transaction
    from django.utils import timezone

    from tocsin.web.alerts.models import TRANSITIONS, Alert, AlertChange
    from tocsin.web.audit.context import acting, current
    from tocsin.web.audit.signals import record

    where = f"alert {alert_id}"
    if to == "dismissed" and not reason.strip():
        raise InputError(Problem(where, "dismissing an alert needs a reason (--reason TEXT)"))
    user = current()[0]
    with transaction.atomic(), acting(user, name=name):
        row = Alert.objects.select_for_update().filter(pk=alert_id).first()
        if row is None:
            raise InputError(Problem(where, "no such alert (see `tocsin warn alerts`)"))
        if to not in TRANSITIONS.get(row.status, set()):
            allowed = ", ".join(sorted(TRANSITIONS[row.status])) or "none: it is closed"
            raise InputError(Problem(where, f"cannot go from {row.status} to {to} "
                                            f"(allowed: {allowed})"))
        before = _snap(row)
        AlertChange.objects.create(alert=row, actor_name=name, from_status=row.status,
                                   to_status=to, reason=reason)
        row.status = to
        row.reason = reason
        row.updated_at = timezone.now()
        row.save()
        record("status", row, before, _snap(row), object_type="alert")
    return row


def query(home, country: str | None = None, statuses: list[str] | None = None,
          rules: list[str] | None = None, since=None, limit: int | None = None) -> list:
    connect(home)
    from tocsin.web.alerts.models import Alert

    qs = Alert.objects.all()
    if country:
        qs = qs.filter(country=country.upper())
    if statuses:
        qs = qs.filter(status__in=statuses)
    if rules:
        qs = qs.filter(rule__in=rules)
    if since:
        qs = qs.filter(week__gte=since)
    qs = qs.order_by("-week", "country", "rule", "unit", "id")
    return list(qs[:limit] if limit else qs)


def as_dict(row) -> dict:
    """The stable JSON form of a stored alert (docs/early-warning.md)."""
    return {
        "id": row.pk, "key": row.key, "rule": row.rule, "rule_name": row.rule_name,
        "severity": row.severity, "baseline": row.baseline, "status": row.status,
        "reason": row.reason, "source": row.source, "country": row.country,
        "level": row.level, "unit": row.unit, "week": row.week.isoformat(),
        "figures": row.figures, "event_count": row.event_count, "event_ids": row.event_ids,
        "indicators": row.indicators, "triggers": row.triggers, "options": row.options,
        "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat(),
    }


# A delivery being sent: claimed, not yet known to have gone. Claiming first (the row is
# unique per alert, subscriber and channel) is what keeps two processes (``warn run``
# and ``tocsin manage notify_subscribers``, or two runs) from sending the same alert
# to the same subscriber twice. A send interrupted by a crash stays claimed: at most
# once, never twice.
SENDING = "sending"


def claim(alert_id: int, subscriber: str, channel: str) -> bool:
    """Claim the delivery of an alert to a subscriber by a channel, on the database
    Django is connected to: True if this caller is to send it, False if it was sent
    (or is being sent) already. A failed delivery may be claimed again (a retry)."""
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from tocsin.web.alerts.models import Delivery

    mine = Delivery.objects.filter(alert_id=alert_id, subscriber=subscriber, channel=channel)
    with transaction.atomic():
        if mine.filter(ok=False).exclude(detail=SENDING).update(detail=SENDING,
                                                                at=timezone.now()):
            return True
    try:
        with transaction.atomic():
            Delivery.objects.create(alert_id=alert_id, subscriber=subscriber,
                                    channel=channel, ok=False, detail=SENDING)
    except IntegrityError:
        return False
    return True


def finish(alert_id: int, subscriber: str, channel: str, ok: bool, detail: str = "") -> None:
    """Record how a claimed delivery went (on the database Django is connected to)."""
    from django.utils import timezone

    from tocsin.web.alerts.models import Delivery

    Delivery.objects.update_or_create(alert_id=alert_id, subscriber=subscriber,
                                      channel=channel,
                                      defaults={"ok": ok, "detail": detail,
                                                "at": timezone.now()})


def already_delivered(home, alert_id: int, subscriber: str, channel: str) -> bool:
    connect(home)
    from tocsin.web.alerts.models import Delivery

    return Delivery.objects.filter(alert_id=alert_id, subscriber=subscriber,
                                   channel=channel, ok=True).exists()


def claim_delivery(home, alert_id: int, subscriber: str, channel: str) -> bool:
    connect(home)
    return claim(alert_id, subscriber, channel)


def record_delivery(home, alert_id: int, subscriber: str, channel: str, ok: bool,
                    detail: str = "") -> None:
    connect(home)
    finish(alert_id, subscriber, channel, ok, detail)


def notify_site(home, alert_ids: list[int], smtp) -> list[dict]:
    """Send these alerts to the people subscribed in the site of ``home`` (inbox,
    "My alert notifications"), each once, by e-mail through ``smtp``."""
    connect(home)
    from tocsin.web.alerts.models import Alert
    from tocsin.web.inbox.notify import deliver

    rows = Alert.objects.filter(pk__in=list(alert_ids)).order_by("week", "country", "rule",
                                                                 "unit", "id")
    return deliver(home, rows, smtp=smtp)
