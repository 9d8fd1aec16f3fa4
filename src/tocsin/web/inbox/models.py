"""What people do with alerts beyond their status: assign, comment, use as evidence,
and subscribe. The alert and its status history are the alerts app's
(``tocsin.web.alerts``); status changes go through ``inbox.services``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tocsin.web.alerts.models import SEVERITIES


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
    evidence = models.OneToOneField("workspace.Evidence", on_delete=models.CASCADE,
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
