"""How serious an alert is: the one scale of the warning strand (rules, alerts,
subscriptions, the site's inbox and filters all use these codes, lowest first)."""

from __future__ import annotations

from typing import Literal, get_args

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[str, ...] = get_args(Severity)


def rank(severity: str) -> int:
    """0 for ``low`` up to 3 for ``critical``; -1 for anything else (never at least one
    that is known)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def highest(severities) -> str:
    """The most serious of ``severities`` ('' if none)."""
    return max(severities, key=rank, default="")
