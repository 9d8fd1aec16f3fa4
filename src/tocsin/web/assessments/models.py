"""The transactional state of assessments: who rates what, with which evidence.

One row per assessment, per assessor, per rating and per piece of evidence. The
fields the site edits are columns-in-JSON: a rating's ``data`` is exactly the
library's ``IndicatorRating``/``MeasureRating``/``TriggerObservation`` without its
evidence, and an assessment's ``document`` is the library's ``Assessment`` without
its assessors, so importing a file and exporting it again loses nothing
(``convert.py`` does both directions; the library validates).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from tocsin.assessment import workflow
from tocsin.web.accounts.models import ASSESSMENT_ROLES
from tocsin.web.shell.labels import ASSESSMENT_STATUS_NAMES, KIND_NAMES, choices

STATUSES = dict(choices(workflow.STATUSES, ASSESSMENT_STATUS_NAMES))
KINDS = KIND_NAMES  # what an assessor rates: code -> display name
MEMBER_ROLES = ASSESSMENT_ROLES


class Assessment(models.Model):
    country = models.CharField(max_length=3, db_index=True)
    framework_id = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    status = models.CharField(max_length=20, choices=STATUSES, default="draft")
    version = models.PositiveIntegerField(default=1)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="revisions")
    document = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "-version", "title"]

    def __str__(self):
        return f"{self.title} ({self.country}, v{self.version})"

    @property
    def editable(self) -> bool:
        return self.status == workflow.EDITABLE

    @staticmethod
    def touch(pk) -> None:
        """Mark assessment ``pk`` changed now: a change to its ratings, evidence or
        members changes what it scores and shows, and ``updated_at`` is what the score
        cache, the API and the lists read. An update of that column only: it sends no
        signal, so the audit log keeps the row that changed, not this."""
        Assessment.objects.filter(pk=pk).update(updated_at=timezone.now())


class AssessorEntry(models.Model):
    """One assessor of the assessment, as in the file; ``user`` links a login to it."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE,
                                   related_name="assessors")
    key = models.CharField(max_length=64)  # the assessor's id in the file
    name = models.CharField(max_length=200)
    affiliation = models.CharField(max_length=20, default="other")
    role = models.CharField(max_length=20, choices=MEMBER_ROLES, default="assessor")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="assessor_entries")
    extra = models.JSONField(default=dict, blank=True)  # fields of Assessor the site doesn't edit
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "key"], name="assessor_key_unique"),
        ]

    def __str__(self):
        return f"{self.name} ({self.key})"


class Rating(models.Model):
    entry = models.ForeignKey(AssessorEntry, on_delete=models.CASCADE, related_name="ratings")
    kind = models.CharField(max_length=10, choices=KINDS)
    item = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "kind", "item"], name="one_rating_per_item"),
        ]

    def __str__(self):
        return f"{self.kind} {self.item} by {self.entry.key}"

    @property
    def assessment(self) -> Assessment:
        return self.entry.assessment


def upload_to(instance, filename):
    # A random name: the original file name may itself identify a witness.
    import secrets

    return f"evidence/{instance.rating.entry.assessment_id}/{secrets.token_hex(16)}"


class Evidence(models.Model):
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="evidence")
    data = models.JSONField(default=dict)  # the library's Evidence, as in the file
    document = models.FileField(upload_to=upload_to, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    @property
    def sensitive(self) -> bool:
        return bool(self.data.get("sensitive"))

    @property
    def assessment(self) -> Assessment:
        return self.rating.entry.assessment

    def __str__(self):
        return f"evidence {self.pk} on {self.rating}"


class Version(models.Model):
    """The file of an assessment as signed off; never changed afterwards."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["assessment", "number"],
                                               name="version_number_unique")]
