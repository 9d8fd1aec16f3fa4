"""Alerts found by detection and what people do with them: status and its history,
notifications sent, assignments, notes, alerts used as evidence, and subscriptions;
the situations alerts are grouped into, their changes, the notices sent about them
(and digests and bulletins), and silences.

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
from django.utils.translation import pgettext_lazy

from tocsin.warning import lifecycle, situations
from tocsin.warning.severity import SEVERITIES as SEVERITY_CODES
from tocsin.web.shell.labels import ALERT_STATUS_NAMES, SEVERITY_NAMES, choices

SEVERITIES = dict(choices(SEVERITY_CODES, SEVERITY_NAMES))
STATUSES = dict(choices(lifecycle.STATUSES, ALERT_STATUS_NAMES))
SITUATION_STATUS_NAMES = {
    "open": pgettext_lazy("situation status", "Open"),
    "acknowledged": pgettext_lazy("situation status", "Acknowledged"),
    "escalated": pgettext_lazy("situation status", "Escalated"),
    "closed": pgettext_lazy("situation status", "Closed"),
}
SITUATION_STATUSES = dict(choices(situations.STATUSES, SITUATION_STATUS_NAMES))
CHANGE_NAMES = {
    "opened": _("opened"), "severity-rose": _("severity rose"), "reminder": _("reminder"),
    "closed": _("closed"), "status": _("status changed"), "owner": _("owner changed"),
}
DIGESTS = {"none": _("no digest"), "daily": _("daily"), "weekly": _("weekly")}
BULLETINS = {"none": _("no bulletin"), "weekly": _("weekly"), "monthly": _("monthly")}


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
    # The situation it belongs to (none: a baseline alert, or not grouped yet), and
    # whether a more severe alert of the same week and situation inhibits it.
    situation = models.ForeignKey("alerts.Situation", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="alerts")
    inhibited = models.BooleanField(default=False)

    class Meta:
        ordering = ["-week", "country", "rule", "unit"]

    def __str__(self):
        return f"#{self.pk} {self.rule} {self.country} {self.week}"


class Situation(models.Model):
    """An episode of one place (a country, or a province the rule file names): opened by
    its first alert, closed after a quiet period or by a person with a reason
    (``tocsin.warning.situations``)."""

    key = models.CharField(max_length=300, unique=True)  # country|unit|opened week
    country = models.CharField(max_length=3, db_index=True)
    unit = models.CharField(max_length=200, blank=True)
    opened_week = models.DateField()
    last_week = models.DateField()
    severity = models.CharField(max_length=10, choices=SEVERITIES)
    notified_severity = models.CharField(max_length=10, blank=True)
    last_notice_week = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=15, choices=SITUATION_STATUSES, default="open",
                              db_index=True)
    reason = models.TextField(blank=True)  # why it was closed
    closed_week = models.DateField(null=True, blank=True)
    closed_by_person = models.BooleanField(default=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="owned_situations")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_week", "country", "unit"]

    def __str__(self):
        return f"situation #{self.pk} {self.country}{'/' + self.unit if self.unit else ''} " \
               f"from {self.opened_week}"

    @property
    def place(self) -> str:
        return self.country + (f" / {self.unit}" if self.unit else "")


class SituationChange(models.Model):
    """What happened to a situation: a notification decision of the warning strand
    (opened, severity rose, reminder, closed; ``notify``) or a person's change (status,
    owner). Decisions are unique per situation, kind and week, so re-running never
    decides twice; ``fanned_out`` says their notices were made."""

    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20)
    week = models.DateField(null=True, blank=True)  # the data week a decision is about
    at = models.DateTimeField(default=timezone.now)
    actor_name = models.CharField(max_length=150, blank=True)
    from_status = models.CharField(max_length=15, blank=True)
    to_status = models.CharField(max_length=15, blank=True)
    from_severity = models.CharField(max_length=10, blank=True)
    to_severity = models.CharField(max_length=10, blank=True)
    reason = models.TextField(blank=True)
    alerts = models.JSONField(default=list, blank=True)  # keys of the alerts it is about
    notify = models.BooleanField(default=False)
    fanned_out = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(
            fields=["situation", "kind", "week"], name="one_decision_per_situation_week",
            condition=models.Q(kind__in=list(situations.DECISIONS)))]


class Notice(models.Model):
    """One message to one subscriber by one channel: about a situation's change, or a
    digest, or a bulletin (``topic``). The row is made (``pending``) in the transaction
    that stores what it is about, claimed (``sending``, with its owner) before it is
    sent, and finished (``sent``, ``failed``); a silence holds it (``held``); a claim
    whose process died is taken again (``tocsin.web.alerts.outbox``)."""

    topic = models.CharField(max_length=200)
    change = models.ForeignKey(SituationChange, null=True, blank=True,
                               on_delete=models.CASCADE, related_name="notices")
    situation = models.ForeignKey(Situation, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="notices")
    subscriber = models.CharField(max_length=100)
    channel = models.CharField(max_length=10)  # "webhook" | "email"
    status = models.CharField(max_length=10, default="pending", db_index=True)
    detail = models.TextField(blank=True)
    owner = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["topic", "subscriber", "channel"],
                                               name="one_notice_per_topic_channel")]


class Silence(models.Model):
    """Notifications held for a while: alerts matching ``matchers`` (country, unit, rule,
    severity, source, level) between ``starts_at`` and ``ends_at``. With an author and a
    reason; audited; ended early by ``expire``."""

    matchers = models.JSONField(default=dict)
    country = models.CharField(max_length=3, blank=True, db_index=True)  # from the matchers
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=150)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expired_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-ends_at", "-id"]

    def active(self, at=None) -> bool:
        at = at or timezone.now()
        return self.starts_at <= at < self.ends_at


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
    """An alert, or a situation (its alerts and their events), used as evidence: the
    Evidence row it became, in which assessment."""

    alert = models.ForeignKey("alerts.Alert", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="evidence_links")
    situation = models.ForeignKey("alerts.Situation", null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="evidence_links")
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
    # A notice for each situation's change (opened, severity rose, reminder, closed) ...
    immediate = models.BooleanField(default=True)
    # ... and/or a digest of the situations opened, escalated and closed, and the
    # early-warning bulletin of the countries followed, by e-mail on a schedule.
    digest = models.CharField(max_length=10, choices=DIGESTS, default="none")
    bulletin = models.CharField(max_length=10, choices=BULLETINS, default="none")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("alert subscription")
