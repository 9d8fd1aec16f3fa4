"""Roles and invitations.

Administrators are Django superusers. Focal points and viewers hold a role for a
country (``CountryRole``); assessors and civil-society contributors are members
of one assessment (``assessments.AssessorEntry``). Permissions are decided in
``tocsin.web.policy`` from these rows only.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from tocsin.web.shell.labels import ROLE_NAMES
from tocsin.web.shell.tokens import hash_token, new_token

ROLES = ROLE_NAMES  # code -> display name
COUNTRY_ROLES = {r: ROLES[r] for r in ("focal_point", "viewer")}
ASSESSMENT_ROLES = {r: ROLES[r] for r in ("assessor", "contributor")}
INVITATION_DAYS = 7


class CountryRole(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="country_roles")
    country = models.CharField(max_length=3)
    role = models.CharField(max_length=20, choices=COUNTRY_ROLES)
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "country", "role"],
                                               name="one_role_per_country")]
        ordering = ["country", "role"]

    def __str__(self):
        return f"{self.user} {self.role} {self.country}"


class Invitation(models.Model):
    """A one-time link to create an account with a role. Only the token's hash is
    stored, so a copy of the database cannot be used to accept an invitation."""

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=ROLES)
    country = models.CharField(max_length=3, blank=True)
    assessment = models.ForeignKey("assessments.Assessment", null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="invitations")
    affiliation = models.CharField(max_length=20, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    @classmethod
    def issue(cls, **fields) -> tuple[Invitation, str]:
        token = new_token()
        inv = cls.objects.create(token_hash=hash_token(token),
                                 expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
                                 **fields)
        return inv, token

    @classmethod
    def open_by_token(cls, token: str) -> Invitation | None:
        inv = cls.objects.filter(token_hash=hash_token(token)).first()
        if inv is None or inv.accepted_at or inv.expires_at < timezone.now():
            return None
        if inv.assessment is not None and inv.assessment.status == "final":
            return None  # signed since the invitation: it gains no assessors
        return inv

    def __str__(self):
        return f"invitation of {self.email} as {self.role}"
