"""The audit log: who changed what, when, before and after. Append-only and
tamper-evident.

Rows are only ever inserted: ``save`` on an existing row, ``delete`` and the
bulk ``update``/``delete`` of the manager raise. On PostgreSQL a trigger refuses
UPDATE and DELETE in the database as well (migration 0002; since 0003 it lets a row be
chained once, nothing else).

Each row is chained to the one before (``chain.py``): its ``seq``, the ``prev_hash`` of
the entry before, and its ``hash``, an HMAC over its canonical JSON and ``prev_hash``,
keyed with the audit key of the key file (``tocsin.vault``), which is outside the
database. ``ChainHead`` holds the last entry's number and hash; writers lock it, so
concurrent writers never fork the chain. ``tocsin audit verify`` checks it all.
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
    # The hash chain (chain.py): number, hash of the entry before, this entry's hash.
    seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

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


class ChainHead(models.Model):
    """The last entry of the audit chain (one row, id 1): its number and its hash.
    ``legacy_until``: entries up to this id were written before the chain had a key
    (a database migrated without the key file); the next write chains them first."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")
    legacy_until = models.BigIntegerField(default=0)

    def __str__(self):
        return f"audit chain head {self.seq} {self.hash[:12]}"
