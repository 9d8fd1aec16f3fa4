"""The transactional state of assessments: who rates what, with which evidence.

One row per assessment, per assessor, per rating and per piece of evidence. The
fields the site edits are columns-in-JSON: a rating's ``data`` is exactly the
library's ``IndicatorRating``/``MeasureRating``/``TriggerObservation`` without its
evidence, and an assessment's ``document`` is the library's ``Assessment`` without
its assessors, so importing a file and exporting it again loses nothing
(``convert.py`` does both directions; the library validates).

Sealed at rest (``tocsin.vault``, keys outside the database): the ``data`` of sensitive
evidence but its ``sensitive`` flag, the original file name of sensitive uploads, every
uploaded document, and the text of every signed version. The fields open what they
hold only when it is read (``SealedAttribute``), so a row that a permission check drops
is never opened; a database or upload folder without the key file holds no sensitive
text, name or document.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.query_utils import DeferredAttribute
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


def site_home() -> Path:
    """The home of the site's database and uploads, whose key file seals them: the
    parent of ``MEDIA_ROOT`` (``HOME/uploads``), which ``tocsin.web.setup`` moves with the
    database; ``HOME`` alone may be pointed elsewhere (at another event store)."""
    return Path(settings.MEDIA_ROOT).parent


def keyring():
    """The site's evidence keys (``tocsin.vault``): the key file of the site's home."""
    from tocsin import vault

    return vault.load(site_home())


OPENED = "_sealed_opened"  # per instance: field name -> the value opened


class SealedAttribute(DeferredAttribute):
    """A sealed field's value, opened on first read and kept opened for the instance;
    assigning replaces it. What is stored stays sealed."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        raw = super().__get__(instance, cls)
        opened = instance.__dict__.setdefault(OPENED, {})
        name = self.field.attname
        if name in opened:
            return opened[name]
        if not self.field.is_sealed(raw):
            return raw
        opened[name] = value = self.field.open_value(raw)
        return value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value
        instance.__dict__.get(OPENED, {}).pop(self.field.attname, None)


class _Sealed:
    descriptor_class = SealedAttribute

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.purpose = f"{cls._meta.model_name}.{name}"

    def current(self, instance):
        """The value to store: the opened one if it was read (it may have been changed),
        else the stored form untouched (no needless re-sealing)."""
        opened = instance.__dict__.get(OPENED, {})
        if self.attname in opened:
            return opened[self.attname]
        return instance.__dict__.get(self.attname)


class SealedEvidenceData(_Sealed, models.JSONField):
    """The library's Evidence as JSON; when it is sensitive, stored as
    ``{"sensitive": true, "sealed": TOKEN}``, TOKEN sealing every other field (text,
    URL, date, event, document hash). Evidence that is not sensitive is stored as is."""

    def is_sealed(self, value) -> bool:
        return isinstance(value, dict) and "sealed" in value

    def open_value(self, value, ring=None):
        inner = json.loads((ring or keyring()).open_text(value["sealed"], self.purpose))
        return {**inner, "sensitive": True}

    def seal_value(self, value, ring=None):
        if not isinstance(value, dict) or not value.get("sensitive") or "sealed" in value:
            return value
        inner = {k: v for k, v in value.items() if k != "sensitive"}
        token = (ring or keyring()).seal_text(json.dumps(inner, sort_keys=True, default=str),
                                              self.purpose)
        return {"sensitive": True, "sealed": token}

    def pre_save(self, instance, add):
        return self.current(instance)

    def get_prep_value(self, value):
        return super().get_prep_value(self.seal_value(value))


class SealedText(_Sealed, models.TextField):
    """Text sealed when ``should_seal(instance)`` (always, by default)."""

    def is_sealed(self, value) -> bool:
        from tocsin import vault

        return vault.is_sealed_text(value)

    def open_value(self, value, ring=None):
        return (ring or keyring()).open_text(value, self.purpose)

    def should_seal(self, instance) -> bool:
        return True

    def pre_save(self, instance, add):
        value = self.current(instance)
        if value and not self.is_sealed(value) and self.should_seal(instance):
            value = keyring().seal_text(value, self.purpose)
        return value


class SealedIfSensitive(SealedText):
    """Sealed when the row's evidence is sensitive (the original name of its file)."""

    def should_seal(self, instance) -> bool:
        return bool(instance.sensitive)


class SealedStorage(FileSystemStorage):
    """Uploaded documents, every one sealed (a file's name or content may identify a
    source): stored under ``MEDIA_ROOT`` as ``tocsin.vault`` blobs, opened when read.
    A file from before encryption (no seal) is read as it is, until the
    ``rotate_evidence_key`` command or the migration seals it."""

    purpose = "evidence.document"

    @property
    def base_location(self):  # follows MEDIA_ROOT, which a process may point elsewhere
        return self._value_or_setting(self._location, settings.MEDIA_ROOT)

    @property
    def location(self):
        import os

        return os.path.abspath(self.base_location)

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        data = b"".join(content.chunks()) if hasattr(content, "chunks") else content.read()
        return super()._save(name, ContentFile(keyring().seal(data, self.purpose)))

    def _open(self, name, mode="rb"):
        from tocsin import vault

        with open(self.path(name), "rb") as fh:
            blob = fh.read()
        if vault.is_sealed_bytes(blob):  # else a file from before sealing: read as it is
            blob = keyring().open(blob, self.purpose)
        return File(io.BytesIO(blob), name=name)

    def size(self, name):
        from tocsin import vault

        with open(self.path(name), "rb") as fh:
            head = fh.read(300)
        total = super().size(name)
        kid = vault.key_id_of(head)
        if kid is None:
            return total
        return total - (len(vault.FILE_MAGIC) + 1 + len(kid) + vault.NONCE + 16)


_storage = SealedStorage()


def sealed_storage():
    return _storage


def upload_to(instance, filename):
    # A random name: the original file name may itself identify a witness.
    import secrets

    return f"evidence/{instance.rating.entry.assessment_id}/{secrets.token_hex(16)}"


class Evidence(models.Model):
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="evidence")
    data = SealedEvidenceData(default=dict)  # the library's Evidence, as in the file
    document = models.FileField(upload_to=upload_to, storage=sealed_storage, blank=True)
    filename = SealedIfSensitive(blank=True)  # the original name (sealed if sensitive)
    content_type = models.CharField(max_length=100, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    @property
    def sensitive(self) -> bool:
        # From the stored form: telling whether it is sensitive opens nothing.
        if "data" not in self.__dict__:
            self.refresh_from_db(fields=["data"])
        raw = self.__dict__.get(OPENED, {}).get("data", self.__dict__.get("data"))
        return bool((raw or {}).get("sensitive"))

    @property
    def assessment(self) -> Assessment:
        return self.rating.entry.assessment

    def __str__(self):
        return f"evidence {self.pk} on {self.rating}"

    def carry_from(self, old: Evidence) -> None:
        """Take ``old``'s document (a copy of its bytes, sealed anew), the file's original
        name and type, who added it and when (not saved): a revision keeps them. A
        document whose file is gone is not carried."""
        self.added_by_id, self.added_at = old.added_by_id, old.added_at
        if not old.document:
            return
        try:
            with old.document.open("rb") as fh:
                body = fh.read()
        except FileNotFoundError:
            return
        self.filename, self.content_type = old.filename, old.content_type
        self.document.save("upload", ContentFile(body), save=False)


class Version(models.Model):
    """The file of an assessment as signed off; never changed afterwards."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    text = SealedText()  # sealed: a signed file holds its sensitive evidence
    sha256 = models.CharField(max_length=64)  # of the text as signed
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["assessment", "number"],
                                               name="version_number_unique")]
