"""The rules of an alert's life, whoever stores it: its statuses, the moves a person
may make between them, what a move needs, and the alert's stable JSON form.

new -> acknowledged | dismissed (with a reason) | escalated | closed. Storing alerts
and their history is the site's (``tocsin.web.alerts.store``); the command line and
the site both move an alert through ``check_move`` here, so the rules are one.
"""

from __future__ import annotations

from typing import Literal, get_args

from tocsin.errors import InputError, Problem

AlertStatus = Literal["new", "acknowledged", "dismissed", "escalated", "closed"]
STATUSES: tuple[str, ...] = get_args(AlertStatus)
OPEN_STATUSES = ("new", "acknowledged", "escalated")  # still asking for someone's attention

# From a status, the statuses a person may move an alert to.
MOVES: dict[str, frozenset[str]] = {
    "new": frozenset({"acknowledged", "dismissed", "escalated", "closed"}),
    "acknowledged": frozenset({"dismissed", "escalated", "closed"}),
    "escalated": frozenset({"acknowledged", "dismissed", "closed"}),
    "dismissed": frozenset({"acknowledged"}),  # reopened: it matters after all
    "closed": frozenset(),
}


def check_move(alert_id: int, current: str, to: str, reason: str = "") -> None:
    """Raise ``InputError`` unless a person may move alert ``alert_id`` from ``current``
    to ``to`` with ``reason`` (dismissing needs one)."""
    where = f"alert {alert_id}"
    if to not in STATUSES:
        raise InputError(Problem(where, f"{to!r} is not a status (one of "
                                        f"{', '.join(STATUSES)})"))
    if to == "dismissed" and not reason.strip():
        raise InputError(Problem(where, "dismissing an alert needs a reason (--reason TEXT)"))
    if to not in MOVES.get(current, frozenset()):
        allowed = ", ".join(sorted(MOVES.get(current, ()))) or "none: it is closed"
        raise InputError(Problem(where, f"cannot go from {current} to {to} "
                                        f"(allowed: {allowed})"))


def as_dict(row) -> dict:
    """The stable JSON form of a stored alert (docs/early-warning.md); ``row`` is any
    object with the alert's fields as attributes and ``pk`` its id."""
    return {
        "id": row.pk, "key": row.key, "rule": row.rule, "rule_name": row.rule_name,
        "severity": row.severity, "baseline": row.baseline, "status": row.status,
        "reason": row.reason, "source": row.source, "country": row.country,
        "level": row.level, "unit": row.unit, "week": row.week.isoformat(),
        "figures": row.figures, "event_count": row.event_count, "event_ids": row.event_ids,
        "indicators": row.indicators, "triggers": row.triggers, "options": row.options,
        "created_at": row.created_at.isoformat(), "updated_at": row.updated_at.isoformat(),
    }
