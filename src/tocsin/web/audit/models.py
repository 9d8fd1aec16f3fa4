"""The audit log: who changed what, when, before and after. Append-only.

Rows are only ever inserted: ``save`` on an existing row, ``delete`` and the
bulk ``update``/``delete`` of the manager raise. On PostgreSQL a trigger refuses
UPDATE and DELETE in the database as well (migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

# The codes are stored; the names are only shown.
ACTIONS = {"create": pgettext_lazy("audit action", "Created"),
           "update": pgettext_lazy("audit action", "Updated"),
           "delete": pgettext_lazy("audit action", "Deleted"),
           "login": pgettext_lazy("audit action", "Logged in"),
           "login_failed": pgettext_lazy("audit action", "Login failed"),
           "status": pgettext_lazy("audit action", "Status changed")}


class AppendOnly(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("the audit log is append-only")

    def delete(self):
        raise AppendOnly("the audit log is append-only")


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    actor_name = models.CharField(max_length=150)  # kept even if the account goes
    action = models.CharField(max_length=20, choices=ACTIONS)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=64, blank=True)
    assessment_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    country = models.CharField(max_length=3, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("the audit log is append-only")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}"
