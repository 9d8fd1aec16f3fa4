"""Forms of the assessment pages. Choices come from the library's model, so the site and
the file format cannot drift apart; the library's model validates again on save."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import PurePath
from typing import get_args

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError as PydanticError

from tocsin.assessment import model as lib
from tocsin.web.accounts.forms import valid_country
from tocsin.web.assessments.models import MEMBER_ROLES
from tocsin.web.shell.labels import AFFILIATION_NAMES, VALUE_LABELS

COMMENT_MAX = 5000
TEXT_MAX = 2000
IMPORT_MAX = 5 * 1024 * 1024
COMMENT_LABEL = pgettext_lazy("form field", "Comment")  # the noun; the inbox's button is a verb


def _choices(literal, names=None, blank=None):
    out = [("", blank)] if blank else []
    for value in get_args(literal):
        out.append((str(value), (names or {}).get(value, str(value))))
    return out


def _too_big(size: int, limit: int) -> str:
    return gettext("The file is %(size).1f MB; the limit is %(limit).0f MB.") % {
        "size": size / 1e6, "limit": limit / 1e6}


def _strip_none(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in ("", None)}


class IndicatorForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=[
        (str(k), format_lazy("{} {}", k, VALUE_LABELS["level"][str(k)]) if k != "unknown"
         else VALUE_LABELS["level"]["unknown"]) for k in lib.LEVEL_NAMES])
    confidence = forms.ChoiceField(label=_("Confidence"), required=False, choices=_choices(
        lib.Confidence, VALUE_LABELS["confidence"], blank="—"))
    trend = forms.ChoiceField(label=_("Trend"), required=False,
                              choices=_choices(lib.Trend, VALUE_LABELS["trend"], blank="—"))
    comment = forms.CharField(label=COMMENT_LABEL, widget=forms.Textarea(attrs={"rows": 2}),
                              required=False, max_length=COMMENT_MAX)

    def rating(self) -> dict:
        d = self.cleaned_data
        level = d["level"]
        return _strip_none({"level": int(level) if level.isdigit() else level,
                            "confidence": d.get("confidence"), "trend": d.get("trend"),
                            "comment": d.get("comment", "").strip()})


class MeasureForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"),
                               choices=_choices(lib.MeasureStatus, VALUE_LABELS["measure"]))
    effectiveness = forms.ChoiceField(label=_("Effectiveness"), choices=_choices(
        lib.Effectiveness, VALUE_LABELS["effectiveness"]))
    comment = forms.CharField(label=COMMENT_LABEL, widget=forms.Textarea(attrs={"rows": 2}),
                              required=False, max_length=COMMENT_MAX)

    def rating(self) -> dict:
        d = self.cleaned_data
        return _strip_none({"status": d["status"], "effectiveness": d["effectiveness"],
                            "comment": d.get("comment", "").strip()})


class TriggerForm(forms.Form):
    observed = forms.ChoiceField(label=_("Observed"), required=False, choices=[
        ("", _("not assessed")), ("yes", _("observed")), ("no", _("not observed"))])
    date = forms.DateField(label=_("Date"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    comment = forms.CharField(label=COMMENT_LABEL, widget=forms.Textarea(attrs={"rows": 2}),
                              required=False, max_length=COMMENT_MAX)

    def rating(self) -> dict:
        d = self.cleaned_data
        observed = {"yes": True, "no": False}.get(d.get("observed") or "")
        return _strip_none({"observed": observed,
                            "date": d["date"].isoformat() if d.get("date") else None,
                            "comment": d.get("comment", "").strip()})


class CommentForm(forms.Form):
    """What a civil-society contributor may change: the comment, never a level."""

    comment = forms.CharField(label=COMMENT_LABEL, widget=forms.Textarea(attrs={"rows": 2}),
                              required=False, max_length=COMMENT_MAX)

    def rating(self) -> dict:
        return _strip_none({"comment": self.cleaned_data.get("comment", "").strip()})


RATING_FORMS = {"indicator": IndicatorForm, "measure": MeasureForm, "trigger": TriggerForm}


def initial_from(kind: str, data: dict) -> dict:
    init = dict(data)
    if kind == "indicator":
        init["level"] = str(data.get("level", "unknown"))
    if kind == "trigger":
        init["observed"] = {True: "yes", False: "no"}.get(data.get("observed"), "")
    return init


# --- uploads ---------------------------------------------------------------------------
# Extension -> (content type served, check of the content). Anything else is refused.
# A file is checked as what its name says it is, beyond its first bytes: a PDF by its
# header and its trailer; text as UTF-8; an office document as a zip archive whose
# members say it is that format, without macros, and small enough once unpacked.
ZIP = b"PK\x03\x04"
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_UNPACKED = 100 * 1024 * 1024  # all members together, unpacked (at least)
CONTENT_TYPES_MAX = 1024 * 1024  # [Content_Types].xml, manifest.xml
OOXML_MAIN = {  # the main part's content type, which says what the package is
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
ODF_MIMETYPE = {"odt": "application/vnd.oasis.opendocument.text"}
# Macros and active content: Office's VBA project (in .docm/.xlsm, and in any package that
# carries one), ActiveX controls; OpenDocument's Basic and scripts.
MACRO_TYPES = ("macroenabled", "vbaproject", "vbadata", "activex")
MACRO_NAMES = ("vbaproject.bin", "vbadata.xml")
ODF_MACRO_DIRS = ("basic/", "scripts/")


class Refused(Exception):
    """What is wrong with an uploaded file, in words for the person who uploaded it."""


def _check_pdf(raw: bytes) -> None:
    if not raw.startswith(b"%PDF-"):
        raise Refused(gettext("The file's content is not a .pdf file."))
    if b"%%EOF" not in raw[-1024:]:
        raise Refused(gettext("The PDF file is incomplete (it has no end)."))


def _check_text(raw: bytes) -> None:
    if not _is_text(raw):
        raise Refused("")  # "not a .txt file"


def unpacked_limit() -> int:
    """The most an office document may unpack to: 100 MB, or ten times the upload limit
    if that is more (images in documents hardly shrink; their text does, tenfold)."""
    return max(ZIP_MAX_UNPACKED, 10 * settings.MAX_UPLOAD_BYTES)


def _archive(raw: bytes):
    """The zip archive of an office document, its members checked: a real archive, not
    encrypted, of at most ZIP_MAX_MEMBERS members that unpack to at most
    ``unpacked_limit()`` bytes (their sizes as declared, and as found by unpacking them)."""
    import io
    import zipfile

    if not raw.startswith(ZIP):
        raise Refused(gettext("The file is not an office document (not a zip archive)."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise Refused(gettext("The file is a damaged archive.")) from None
    too_big = Refused(gettext("The document unpacks to too much data (a zip bomb?)."))
    if len(members) > ZIP_MAX_MEMBERS:
        raise too_big
    budget = unpacked_limit()
    if sum(m.file_size for m in members) > budget:
        raise too_big
    if any(m.flag_bits & 0x1 for m in members):
        raise Refused(gettext("The document is encrypted; upload it without a password."))
    # Unpack every member with a budget: sizes that lie, or a damaged member, show here.
    try:
        for m in members:
            with archive.open(m) as fh:
                while chunk := fh.read(1024 * 1024):
                    budget -= len(chunk)
                    if budget < 0:
                        raise too_big
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError,
            RuntimeError):
        raise Refused(gettext("The file is a damaged archive.")) from None
    return archive


def _xml(data: bytes):
    """A small XML member, parsed without entities (an office package has no DTD)."""
    import xml.etree.ElementTree as ET

    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise Refused(gettext("The document's description is not valid."))
    try:
        return ET.fromstring(data)
    except ET.ParseError:
        raise Refused(gettext("The document's description is not valid.")) from None


def _member(archive, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > CONTENT_TYPES_MAX:
        raise Refused(gettext("The document's description is not valid."))
    return archive.read(info)


def _no_macros(names) -> None:
    for name in names:
        low = name.lower()
        if low.rsplit("/", 1)[-1] in MACRO_NAMES:
            raise Refused(gettext("The document contains macros; save it without them "
                                  "(as .docx, .xlsx or .odt) and upload it again."))


def _check_ooxml(raw: bytes, ext: str) -> None:
    archive = _archive(raw)
    names = archive.namelist()
    not_it = Refused(gettext("The file's content is not a .%(ext)s file.") % {"ext": ext})
    types = _member(archive, "[Content_Types].xml")
    if types is None:
        raise not_it
    root = _xml(types)
    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    declared = [(el.get("PartName", ""), el.get("ContentType", "").lower())
                for el in root.iter(f"{ns}Override")]
    declared += [("", el.get("ContentType", "").lower()) for el in root.iter(f"{ns}Default")]
    if any(any(t in ctype for t in MACRO_TYPES) for _part, ctype in declared):
        raise Refused(gettext("The document contains macros; save it without them "
                              "(as .docx, .xlsx or .odt) and upload it again."))
    _no_macros(names)
    main = [part for part, ctype in declared if ctype == OOXML_MAIN[ext]]
    if len(main) != 1 or main[0].lstrip("/") not in names or "_rels/.rels" not in names:
        raise not_it


def _check_odf(raw: bytes, ext: str) -> None:
    archive = _archive(raw)
    names = archive.namelist()
    not_it = Refused(gettext("The file's content is not a .%(ext)s file.") % {"ext": ext})
    # OpenDocument: the first member is "mimetype", stored, holding the document's type.
    if not names or names[0] != "mimetype" or \
            archive.read("mimetype").strip() != ODF_MIMETYPE[ext].encode():
        raise not_it
    manifest = _member(archive, "META-INF/manifest.xml")
    if manifest is None:
        raise not_it
    _xml(manifest)
    low = [n.lower() for n in names]
    if any(n.startswith(ODF_MACRO_DIRS) for n in low):
        raise Refused(gettext("The document contains macros; save it without them "
                              "(as .docx, .xlsx or .odt) and upload it again."))
    _no_macros(names)


def _starts(magic: bytes):
    def check(raw: bytes) -> None:
        if not raw.startswith(magic):
            raise Refused("")
    return check


ALLOWED = {
    "pdf": ("application/pdf", _check_pdf),
    "png": ("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    "txt": ("text/plain; charset=utf-8", _check_text),
    "csv": ("text/csv; charset=utf-8", _check_text),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             lambda raw: _check_ooxml(raw, "docx")),
    "odt": ("application/vnd.oasis.opendocument.text", lambda raw: _check_odf(raw, "odt")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda raw: _check_ooxml(raw, "xlsx")),
}


def _is_text(raw: bytes) -> bool:
    if b"\x00" in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class EvidenceForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("What the source shows, in a sentence or two."))
    url = forms.URLField(label=_("URL"), required=False, max_length=2000, assume_scheme="https",
                         help_text=_("A public source (http or https)."))
    date = forms.DateField(label=_("Date"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))
    document = forms.FileField(label=_("Document"), required=False,
                               help_text=_("PDF, image, text, CSV, DOCX, ODT, XLSX; at most "
                                           "the size limit below."))
    sensitive = forms.BooleanField(label=_("Sensitive"), required=False, help_text=_(
        "Visible only to the assessment's owners and you."))

    def clean_url(self):
        url = self.cleaned_data.get("url", "")
        if url and not url.lower().startswith(("http://", "https://")):
            raise ValidationError(gettext("Only http and https links are accepted."))
        return url

    def clean_date(self):
        d = self.cleaned_data.get("date")
        if d and d > dt.date.today() + dt.timedelta(days=1):
            raise ValidationError(gettext("The date is in the future."))
        return d

    def clean_document(self):
        f = self.cleaned_data.get("document")
        if not f:
            return None
        limit = settings.MAX_UPLOAD_BYTES
        if f.size > limit:
            raise ValidationError(_too_big(f.size, limit))
        ext = PurePath(f.name).suffix.lower().lstrip(".")
        if ext not in ALLOWED:
            raise ValidationError(gettext("Files of type .%(ext)s are not accepted; use one of "
                                          "%(allowed)s.")
                                  % {"ext": ext or "?", "allowed": ", ".join(sorted(ALLOWED))})
        content_type, check = ALLOWED[ext]
        raw = f.read()
        f.seek(0)
        try:
            check(raw)
        except Refused as exc:
            raise ValidationError(str(exc) or gettext("The file's content is not a .%(ext)s "
                                                      "file.") % {"ext": ext}) from None
        self.content_type = content_type
        self.sha256 = hashlib.sha256(raw).hexdigest()
        return f

    def evidence(self) -> dict:
        d = self.cleaned_data
        data = {"text": d["text"].strip(), "url": d.get("url") or None,
                "date": d["date"].isoformat() if d.get("date") else None,
                "sensitive": bool(d.get("sensitive"))}
        if d.get("document"):
            data["document_hash"] = f"sha256:{self.sha256}"
        data = {k: v for k, v in data.items() if v is not None}
        try:
            lib.Evidence.model_validate(data)
        except PydanticError as exc:
            raise ValidationError(str(exc.errors()[0]["msg"])) from None
        return data


class NewAssessmentForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), choices=[])
    framework = forms.ChoiceField(label=_("Framework"), choices=[])
    title = forms.CharField(label=_("Title"), max_length=300)
    period_start = forms.DateField(label=_("Period start"),
                                   widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period end"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    affiliation = forms.ChoiceField(choices=_choices(lib.Affiliation, AFFILIATION_NAMES),
                                    label=_("Your affiliation (you are the first assessor)"))

    def __init__(self, *args, countries=(), frameworks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [(c, c) for c in sorted(countries)]
        self.fields["framework"].choices = list(frameworks)

    def clean(self):
        d = super().clean()
        if d.get("period_start") and d.get("period_end") and d["period_end"] < d["period_start"]:
            self.add_error("period_end", gettext("The period ends before it starts."))
        return d


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_(
        "An assessment file (YAML), as exported or as written with `tocsin assess init`."))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > IMPORT_MAX:
            raise ValidationError(_too_big(f.size, IMPORT_MAX))
        if PurePath(f.name).suffix.lower() not in (".yaml", ".yml"):
            raise ValidationError(gettext("Upload a .yaml or .yml file."))
        raw = f.read()
        if not _is_text(raw):
            raise ValidationError(gettext("The file is not UTF-8 text."))
        self.text = raw.decode("utf-8")
        return f


class MemberInviteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=list(MEMBER_ROLES.items()))
    affiliation = forms.ChoiceField(label=_("Affiliation"),
                                    choices=_choices(lib.Affiliation, AFFILIATION_NAMES))


class LinkUserForm(forms.Form):
    """Give an existing account an assessor of the file (e.g. after an import)."""

    entry = forms.ChoiceField(label=_("Assessor"), choices=[])
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=list(MEMBER_ROLES.items()))

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [(str(e.pk), f"{e.name} ({e.key})") for e in entries]

    def clean_username(self):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=self.cleaned_data["username"],
                                               is_active=True).first()
        if user is None:
            raise ValidationError(gettext("No active account has that username."))
        return user


__all__ = ["valid_country"]
