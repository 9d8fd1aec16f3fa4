"""The alerts a list shows: the inbox's filters, shared by its page and the API."""

from __future__ import annotations

from tocsin.warning.lifecycle import OPEN_STATUSES
from tocsin.warning.lifecycle import STATUSES as STATUS_CODES
from tocsin.warning.severity import SEVERITIES
from tocsin.web.alerts.models import Alert


def filtered(params, user):
    """Alerts matching ``params`` (``status``: ``open`` (the default), ``all`` or a
    status; ``country``, ``severity``, ``rule``; ``assigned=me``; ``baseline=1`` to
    include the baseline alerts), newest week first."""
    qs = Alert.objects.all().select_related("assignment__assignee")
    status = params.get("status", "open")
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in STATUS_CODES:
        qs = qs.filter(status=status)
    if params.get("country"):
        qs = qs.filter(country=params["country"].strip().upper()[:3])
    if params.get("severity") in SEVERITIES:
        qs = qs.filter(severity=params["severity"])
    if params.get("rule"):
        qs = qs.filter(rule=params["rule"][:64])
    if params.get("assigned") == "me" and user.is_authenticated:
        qs = qs.filter(assignment__assignee=user)
    if params.get("baseline") != "1":
        qs = qs.filter(baseline=False)
    return qs.order_by("-week", "country", "rule", "id")


def situations_filtered(params, user):
    """Situations matching ``params`` (``status``: ``open`` (the default: not closed),
    ``all`` or a status; ``country``; ``severity`` (at least); ``owner=me``), the latest
    alert first."""
    from tocsin.warning import situations as core
    from tocsin.web.alerts.models import Situation

    qs = Situation.objects.all().select_related("owner")
    status = params.get("status", "open")
    if status == "open":
        qs = qs.filter(status__in=core.OPEN)
    elif status in core.STATUSES:
        qs = qs.filter(status=status)
    if params.get("country"):
        qs = qs.filter(country=params["country"].strip().upper()[:3])
    if params.get("severity") in SEVERITIES:
        qs = qs.filter(severity__in=SEVERITIES[SEVERITIES.index(params["severity"]):])
    if params.get("owner") == "me" and user.is_authenticated:
        qs = qs.filter(owner=user)
    return qs.order_by("-last_week", "country", "unit", "-id")
