"""Alerts found by detection and what people do with them: status and its history,
notifications sent, assignments, notes, alerts used as evidence, and subscriptions.

``key`` (rule|source|country|unit|week) is unique: re-running detection updates an
alert's figures and evidence, never makes a second one, and never resets what a
person decided about it. The rules of an alert's life (statuses, the moves between
them) are the warning strand's (``tocsin.warning.lifecycle``); storing them is
``store.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tocsin.warning import lifecycle
from tocsin.warning.severity import SEVERITIES as SEVERITY_CODES
from tocsin.web.shell.labels import ALERT_STATUS_NAMES, SEVERITY_NAMES, choices

SEVERITIES = dict(choices(SEVERITY_CODES, SEVERITY_NAMES))
STATUSES = dict(choices(lifecycle.STATUSES, ALERT_STATUS_NAMES))


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


class Assignment(models.Model):
    alert = models.OneToOneField("alerts.Alert", on_delete=models.CASCADE,
                                 related_name="assignment")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="assigned_alerts")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)


class Note(models.Model):
    alert = models.ForeignKey("alerts.Alert", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]


class EvidenceLink(models.Model):
    """An alert used as evidence: the Evidence row it became, in which assessment."""

    alert = models.ForeignKey("alerts.Alert", on_delete=models.CASCADE,
                              related_name="evidence_links")
    evidence = models.OneToOneField("assessments.Evidence", on_delete=models.CASCADE,
                                    related_name="alert_link")
    event_ids = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)


class Subscription(models.Model):
    """A person's alert notifications, sent by ``tocsin.warning.notify`` (e-mail)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="alert_subscription")
    countries = models.JSONField(default=list, blank=True)  # ISO3 codes; empty = all
    min_severity = models.CharField(max_length=10, choices=SEVERITIES, default="high")
    email = models.EmailField(blank=True)  # empty: the account's address
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("alert subscription")
