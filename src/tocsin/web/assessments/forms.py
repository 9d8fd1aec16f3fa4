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
# Extension -> (content type served, check of the first bytes). Anything else is refused.
ZIP = b"PK\x03\x04"
ALLOWED = {
    "pdf": ("application/pdf", lambda b: b.startswith(b"%PDF-")),
    "png": ("image/png", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda b: b.startswith(b"\xff\xd8\xff")),
    "txt": ("text/plain; charset=utf-8", None),
    "csv": ("text/csv; charset=utf-8", None),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             lambda b: b.startswith(ZIP)),
    "odt": ("application/vnd.oasis.opendocument.text", lambda b: b.startswith(ZIP)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda b: b.startswith(ZIP)),
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
        content_type, magic = ALLOWED[ext]
        raw = f.read()
        f.seek(0)
        if (magic is not None and not magic(raw[:16])) or (magic is None and not _is_text(raw)):
            raise ValidationError(gettext("The file's content is not a .%(ext)s file.")
                                  % {"ext": ext})
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
