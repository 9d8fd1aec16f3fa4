"""Alerts in the site's database: the one code path for the command line, the site and
a scheduler (Django set up with ``tocsin.web.setup(home)`` first).

Storing is an upsert on the alert's key, so re-running detection never duplicates an
alert and never undoes a person's decision. A status change follows the warning
strand's rules (``tocsin.warning.lifecycle.check_move``), leaves an ``AlertChange``
row and goes to the audit log, as every write does.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from tocsin.errors import InputError, Problem
from tocsin.warning import lifecycle
from tocsin.warning.run import Stored
from tocsin.web.alerts.models import Alert, AlertChange, Delivery
from tocsin.web.audit.context import acting, current
from tocsin.web.audit.log import record

FIELDS = ("rule_name", "severity", "baseline", "source", "country", "level", "unit",
          "figures", "event_ids", "event_count", "indicators", "triggers", "options")


def save(alerts: Iterable) -> Stored:
    """Insert new alerts and refresh the evidence of known ones, in one transaction
    (``alerts``: ``tocsin.warning.alerts.Alert`` objects)."""
    alerts = list(alerts)
    created, updated, unchanged = [], 0, 0
    with transaction.atomic():
        known = {a.key: a for a in Alert.objects.filter(key__in=[x.key for x in alerts])}
        for a in alerts:
            values = {f: getattr(a, f) for f in FIELDS}
            row = known.get(a.key)
            if row is None:
                row = Alert.objects.create(key=a.key, rule=a.rule, week=a.week, **values)
                record("create", row, None, _snapshot(row), object_type="alert")
                created.append(row.pk)
                continue
            before = {f: getattr(row, f) for f in FIELDS}
            if before == values:
                unchanged += 1
                continue
            for f in FIELDS:
                setattr(row, f, values[f])
            row.updated_at = timezone.now()
            row.save()
            record("update", row, {k: before[k] for k in ("severity", "figures", "event_count")},
                   _snapshot(row), object_type="alert")
            updated += 1
    return Stored(created, updated, unchanged)


def _snapshot(row) -> dict:
    return {"key": row.key, "status": row.status, "severity": row.severity,
            "figures": row.figures, "event_count": row.event_count, "reason": row.reason}


def command_line_actor() -> str:
    """Who a change from the command line is recorded as: the system account running it."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    return f"{user} (command line)" if user else "command line"


def transition(alert_id: int, to: str, reason: str = "", name: str | None = None):
    """Move an alert to ``to``; raise ``InputError`` if there is no such alert or the
    move is not allowed. Recorded as ``name`` (default: the audit context's actor, or
    the command line's user)."""
    user, address, actor = current()
    name = name or (actor if actor != "system" else command_line_actor())
    with transaction.atomic(), acting(user, address=address, name=name):
        row = Alert.objects.select_for_update().filter(pk=alert_id).first()
        if row is None:
            raise InputError(Problem(f"alert {alert_id}",
                                     "no such alert (see `tocsin warn alerts`)"))
        lifecycle.check_move(alert_id, row.status, to, reason)
        before = _snapshot(row)
        AlertChange.objects.create(alert=row, actor_name=name, from_status=row.status,
                                   to_status=to, reason=reason)
        row.status = to
        row.reason = reason
        row.updated_at = timezone.now()
        row.save()
        record("status", row, before, _snapshot(row), object_type="alert")
    return row


def find(alert_id: int):
    """One alert, or ``InputError`` naming it."""
    row = Alert.objects.filter(pk=alert_id).first()
    if row is None:
        raise InputError(Problem(f"alert {alert_id}", "no such alert (see tocsin warn alerts)"))
    return row


def query(country: str | None = None, statuses: list[str] | None = None,
          rules: list[str] | None = None, since: date | None = None,
          limit: int | None = None, ids: list[int] | None = None) -> list:
    """Stored alerts, newest week first, filtered in the database."""
    qs = Alert.objects.all()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
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


# A delivery being sent: claimed, not yet known to have gone. Claiming first (the row is
# unique per alert, subscriber and channel) is what keeps two processes (``warn run``
# and ``tocsin manage notify_subscribers``, or two runs) from sending the same alert
# to the same subscriber twice. A send interrupted by a crash stays claimed: at most
# once, never twice.
SENDING = "sending"


def claim(alert_id: int, subscriber: str, channel: str) -> bool:
    """Claim the delivery of an alert to a subscriber by a channel: True if this caller
    is to send it, False if it was sent (or is being sent) already. A failed delivery
    may be claimed again (a retry)."""
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
    """Record how a claimed delivery went."""
    Delivery.objects.update_or_create(alert_id=alert_id, subscriber=subscriber,
                                      channel=channel,
                                      defaults={"ok": ok, "detail": detail,
                                                "at": timezone.now()})
