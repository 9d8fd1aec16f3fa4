"""Forms of the workspace. Choices come from the library's model, so the site and
the file format cannot drift apart; the library's model validates again on save."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import PurePath
from typing import get_args

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from pydantic import ValidationError as PydanticError

from tocsin.assessment import model as lib
from tocsin.web.accounts.forms import valid_country

COMMENT_MAX = 5000
TEXT_MAX = 2000
IMPORT_MAX = 5 * 1024 * 1024


def _choices(literal, names=None, blank=None):
    out = [("", blank)] if blank else []
    for value in get_args(literal):
        out.append((str(value), (names or {}).get(value, str(value))))
    return out


def _strip_none(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in ("", None)}


class IndicatorForm(forms.Form):
    level = forms.ChoiceField(choices=[(str(k), f"{k} {v}" if k != "unknown" else v)
                                       for k, v in lib.LEVEL_NAMES.items()])
    confidence = forms.ChoiceField(choices=_choices(lib.Confidence, blank="—"), required=False)
    trend = forms.ChoiceField(choices=_choices(lib.Trend, blank="—"), required=False)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=COMMENT_MAX)

    def rating(self) -> dict:
        d = self.cleaned_data
        level = d["level"]
        return _strip_none({"level": int(level) if level.isdigit() else level,
                            "confidence": d.get("confidence"), "trend": d.get("trend"),
                            "comment": d.get("comment", "").strip()})


class MeasureForm(forms.Form):
    status = forms.ChoiceField(choices=_choices(lib.MeasureStatus))
    effectiveness = forms.ChoiceField(choices=_choices(lib.Effectiveness))
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=COMMENT_MAX)

    def rating(self) -> dict:
        d = self.cleaned_data
        return _strip_none({"status": d["status"], "effectiveness": d["effectiveness"],
                            "comment": d.get("comment", "").strip()})


class TriggerForm(forms.Form):
    observed = forms.ChoiceField(choices=[("", "not assessed"), ("yes", "observed"),
                                          ("no", "not observed")], required=False)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=COMMENT_MAX)

    def rating(self) -> dict:
        d = self.cleaned_data
        observed = {"yes": True, "no": False}.get(d.get("observed") or "")
        return _strip_none({"observed": observed,
                            "date": d["date"].isoformat() if d.get("date") else None,
                            "comment": d.get("comment", "").strip()})


class CommentForm(forms.Form):
    """What a civil-society contributor may change: the comment, never a level."""

    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              max_length=COMMENT_MAX)

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
    text = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="What the source shows, in a sentence or two.")
    url = forms.URLField(label="URL", required=False, max_length=2000, assume_scheme="https",
                         help_text="A public source (http or https).")
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    document = forms.FileField(required=False, help_text="PDF, image, text, CSV, DOCX, ODT, "
                               "XLSX; at most the size limit below.")
    sensitive = forms.BooleanField(required=False,
                                   help_text="Visible only to the assessment's owners and you.")

    def clean_url(self):
        url = self.cleaned_data.get("url", "")
        if url and not url.lower().startswith(("http://", "https://")):
            raise ValidationError("Only http and https links are accepted.")
        return url

    def clean_date(self):
        d = self.cleaned_data.get("date")
        if d and d > dt.date.today() + dt.timedelta(days=1):
            raise ValidationError("The date is in the future.")
        return d

    def clean_document(self):
        f = self.cleaned_data.get("document")
        if not f:
            return None
        limit = settings.MAX_UPLOAD_BYTES
        if f.size > limit:
            raise ValidationError(f"The file is {f.size / 1e6:.1f} MB; the limit is "
                                  f"{limit / 1e6:.0f} MB.")
        ext = PurePath(f.name).suffix.lower().lstrip(".")
        if ext not in ALLOWED:
            raise ValidationError(f"Files of type .{ext or '?'} are not accepted; use one of "
                                  + ", ".join(sorted(ALLOWED)) + ".")
        content_type, magic = ALLOWED[ext]
        raw = f.read()
        f.seek(0)
        if (magic is not None and not magic(raw[:16])) or (magic is None and not _is_text(raw)):
            raise ValidationError(f"The file's content is not a .{ext} file.")
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
    country = forms.ChoiceField(choices=[])
    framework = forms.ChoiceField(choices=[])
    title = forms.CharField(max_length=300)
    period_start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    affiliation = forms.ChoiceField(choices=_choices(lib.Affiliation, lib.AFFILIATION_NAMES),
                                    label="Your affiliation (you are the first assessor)")

    def __init__(self, *args, countries=(), frameworks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [(c, c) for c in sorted(countries)]
        self.fields["framework"].choices = list(frameworks)

    def clean(self):
        d = super().clean()
        if d.get("period_start") and d.get("period_end") and d["period_end"] < d["period_start"]:
            self.add_error("period_end", "The period ends before it starts.")
        return d


class ImportForm(forms.Form):
    file = forms.FileField(help_text="An assessment file (YAML), as exported or as written "
                           "with `tocsin assess init`.")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > IMPORT_MAX:
            raise ValidationError(f"The file is {f.size / 1e6:.1f} MB; the limit is "
                                  f"{IMPORT_MAX / 1e6:.0f} MB.")
        if PurePath(f.name).suffix.lower() not in (".yaml", ".yml"):
            raise ValidationError("Upload a .yaml or .yml file.")
        raw = f.read()
        if not _is_text(raw):
            raise ValidationError("The file is not UTF-8 text.")
        self.text = raw.decode("utf-8")
        return f


class MemberInviteForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField()
    role = forms.ChoiceField(choices=[("assessor", "Assessor"),
                                      ("contributor", "Civil-society contributor")])
    affiliation = forms.ChoiceField(choices=_choices(lib.Affiliation, lib.AFFILIATION_NAMES))


class LinkUserForm(forms.Form):
    """Give an existing account an assessor of the file (e.g. after an import)."""

    entry = forms.ChoiceField(choices=[])
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=[("assessor", "Assessor"),
                                      ("contributor", "Civil-society contributor")])

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [(str(e.pk), f"{e.name} ({e.key})") for e in entries]

    def clean_username(self):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=self.cleaned_data["username"],
                                               is_active=True).first()
        if user is None:
            raise ValidationError("No active account has that username.")
        return user


__all__ = ["valid_country"]
