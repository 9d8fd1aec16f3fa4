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
from tocsin.web.alerts.models import Alert, AlertChange, Delivery, Situation, SituationChange
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
        if row.situation_id:
            from tocsin.web.alerts.grouping import refresh_severity

            refresh_severity(row.situation_id)
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


# --- situations ------------------------------------------------------------------------------


def situation_dict(row, alerts: int | None = None) -> dict:
    """The stable JSON form of a situation (docs/early-warning.md)."""
    return {
        "id": row.pk, "key": row.key, "country": row.country, "unit": row.unit,
        "status": row.status, "severity": row.severity, "opened_week": row.opened_week.isoformat(),
        "last_week": row.last_week.isoformat(),
        "closed_week": row.closed_week.isoformat() if row.closed_week else None,
        "reason": row.reason, "owner": row.owner.get_username() if row.owner_id else None,
        "alerts": alerts if alerts is not None else row.alerts.count(),
        "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat(),
    }


def find_situation(situation_id: int):
    row = Situation.objects.filter(pk=situation_id).first()
    if row is None:
        raise InputError(Problem(f"situation {situation_id}",
                                 "no such situation (see `tocsin warn situations`)"))
    return row


def query_situations(country: str | None = None, statuses: list[str] | None = None,
                     limit: int | None = None) -> list:
    qs = Situation.objects.all().select_related("owner")
    if country:
        qs = qs.filter(country=country.upper())
    if statuses:
        qs = qs.filter(status__in=statuses)
    qs = qs.order_by("-last_week", "country", "unit", "id")
    return list(qs[:limit] if limit else qs)


def transition_situation(situation_id: int, to: str, reason: str = "",
                         name: str | None = None):
    """A person moves a situation to ``to`` (acknowledged, escalated, closed with a
    reason); ``InputError`` if there is no such situation or the move is not allowed. A
    closing by a person is notified like one for quiet."""
    from tocsin.warning import situations as core

    user, address, actor = current()
    name = name or (actor if actor != "system" else command_line_actor())
    with transaction.atomic(), acting(user, address=address, name=name):
        row = Situation.objects.select_for_update().filter(pk=situation_id).first()
        if row is None:
            raise InputError(Problem(f"situation {situation_id}",
                                     "no such situation (see `tocsin warn situations`)"))
        core.check_move(situation_id, row.status, to, reason)
        from tocsin.web.alerts.grouping import snapshot

        before = snapshot(row)
        SituationChange.objects.create(situation=row, kind="status", actor_name=name,
                                       from_status=row.status, to_status=to, reason=reason,
                                       to_severity=row.severity)
        if to == "closed":
            week = row.last_week
            try:
                with transaction.atomic():
                    SituationChange.objects.create(
                        situation=row, kind="closed", week=max(week, _monday()),
                        actor_name=name, from_status=row.status, to_status="closed",
                        from_severity=row.severity, to_severity=row.severity,
                        reason=reason, notify=True)
            except IntegrityError:
                pass
            row.closed_week = max(week, _monday())
            row.closed_by_person = True
            row.reason = reason
        row.status = to
        row.updated_at = timezone.now()
        row.save()
        record("status", row, before, snapshot(row), object_type="situation")
    return row


def _monday():
    today = timezone.now().date()
    from datetime import timedelta

    return today - timedelta(days=today.weekday())


def set_owner(situation_id: int, user, by_name: str):
    from tocsin.web.alerts.grouping import snapshot

    with transaction.atomic():
        row = Situation.objects.select_for_update().get(pk=situation_id)
        before = snapshot(row)
        row.owner = user
        row.updated_at = timezone.now()
        row.save()
        SituationChange.objects.create(situation=row, kind="owner", actor_name=by_name,
                                       reason=user.get_username() if user else "")
        record("owner", row, before, snapshot(row), object_type="situation")
    return row
