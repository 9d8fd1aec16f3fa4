"""An alert found by detection, its status, its history and its notifications.

``key`` (rule|source|country|unit|week) is unique: re-running detection updates an
alert's figures and evidence, never makes a second one, and never resets what a
person decided about it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Codes as stored; names as shown, in the interface's language.
STATUSES = {"new": _("New"), "acknowledged": _("Acknowledged"), "dismissed": _("Dismissed"),
            "escalated": _("Escalated"), "closed": _("Closed")}
SEVERITIES = {"low": pgettext_lazy("severity", "Low"),
              "medium": pgettext_lazy("severity", "Medium"),
              "high": pgettext_lazy("severity", "High"),
              "critical": pgettext_lazy("severity", "Critical")}
# From a status, the statuses a person may move an alert to.
TRANSITIONS = {
    "new": {"acknowledged", "dismissed", "escalated", "closed"},
    "acknowledged": {"dismissed", "escalated", "closed"},
    "escalated": {"acknowledged", "dismissed", "closed"},
    "dismissed": {"acknowledged"},  # reopened: someone thinks it matters after all
    "closed": set(),
}


class Alert(models.Model):
    key = models.CharField(max_length=400, unique=True)
    rule = models.CharField(max_length=64, db_index=True)
    rule_name = models.CharField(max_length=300)
    severity = models.CharField(max_length=10, choices=SEVERITIES)
    baseline = models.BooleanField(default=False)
    source = models.CharField(max_length=40)
    country = models.CharField(max_length=3, db_index=True)
    level = models.CharField(max_length=10)
    unit = models.CharField(max_length=200, blank=True)
    week = models.DateField(db_index=True)
    figures = models.JSONField(default=dict)
    event_ids = models.JSONField(default=list)
    event_count = models.IntegerField(default=0)
    indicators = models.JSONField(default=list)
    triggers = models.JSONField(default=list)
    options = models.JSONField(default=list)
    status = models.CharField(max_length=15, choices=STATUSES, default="new", db_index=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week", "country", "rule", "unit"]

    def __str__(self):
        return f"#{self.pk} {self.rule} {self.country} {self.week}"


class AlertChange(models.Model):
    """One status change, with who made it and why (the audit log has it too)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    actor_name = models.CharField(max_length=150)
    from_status = models.CharField(max_length=15)
    to_status = models.CharField(max_length=15)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class Delivery(models.Model):
    """A notification sent (or tried) for an alert: never sent twice to one subscriber."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=100)
    channel = models.CharField(max_length=10)  # "webhook" | "email"
    at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField(default=False)
    detail = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "subscriber", "channel"],
                                               name="one_delivery_per_channel")]
