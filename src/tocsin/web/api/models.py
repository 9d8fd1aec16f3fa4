"""API tokens: one per program or person, shown once, stored only as a hash."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from tocsin.web.shell.tokens import hash_token, new_token

PREFIX = "tcs_"


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        token = new_token(PREFIX)
        return cls.objects.create(user=user, name=name[:100], token_hash=hash_token(token)), token

    @classmethod
    def user_for(cls, token: str):
        row = (cls.objects.filter(token_hash=hash_token(token)).select_related("user").first()
               if token else None)
        if row is None or not row.user.is_active:
            return None
        # At most one write a minute per token: last_used is for people, not an audit.
        now = timezone.now()
        if row.last_used is None or (now - row.last_used).total_seconds() > 60:
            cls.objects.filter(pk=row.pk).update(last_used=now)
        return row.user

    def __str__(self):
        return f"{self.name} ({self.user})"
