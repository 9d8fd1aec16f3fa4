"""The audit log in words: what changed, field by field ("status: draft → in review",
"level of 1.1: 1 → 3"), for the log page and its CSV.

What is stored stays as it was written (the log is append-only); what is shown and
exported is ``redacted`` first, so no secret leaves the log even from rows written
before secrets were kept out of it: password hashes and digests of them, token
digests, TOTP keys, the original names of sensitive uploads and digests of sensitive
evidence (an unsalted SHA-256 of a short text can be confirmed by guessing it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Keys whose values are secrets, or digests of secrets, wherever they appear.
SECRET_KEYS = {"password", "token", "token_hash", "bin_key", "totp_key", "secret",
               "otp_secret", "totp_secret", "digest", "data_sha256", "data_hmac"}
# Shown as "changed" when they differ, never as their value.
CHANGED_ONLY = {"password", "document_sha256", "data_hmac", "data_sha256", "token_hash"}
MAX_VALUE = 160
MARKERS = ("set", "changed")  # what the log now keeps instead of a password's digest

FIELD_NAMES = {
    "status": _("status"), "title": _("title"), "version": _("version"),
    "country": _("country"), "framework": _("framework"), "document_sha256": _("document"),
    "level": _("level"), "confidence": _("confidence"), "trend": _("trend"),
    "comment": pgettext_lazy("audit field", "comment"), "effectiveness": _("effectiveness"),
    "observed": _("observed"), "date": _("date"), "username": _("username"),
    "email": _("email"), "first_name": _("first name"), "last_name": _("last name"),
    "is_active": _("active"), "is_staff": _("staff"), "is_superuser": _("administrator"),
    "password": _("password"), "role": _("role"), "user": _("account"),
    "name": _("name"), "affiliation": _("affiliation"), "key": _("assessor id"),
    "assessment": _("assessment"), "accepted": _("accepted"), "number": _("number"),
    "sha256": _("SHA-256"), "evidence": _("evidence"), "url": _("URL"), "text": _("text"),
    "file": _("file"), "sensitive": _("sensitive"), "content_type": _("file type"),
    "added_by": _("added by"), "rating": _("rating"), "assessors": _("assessors"),
    "ratings": _("ratings"), "severity": _("severity"), "reason": _("reason"),
    "event_count": _("events"), "figures": _("figures"), "assignee": _("assignee"),
    "note": _("comment"), "indicator": _("indicator"), "kind": _("kind"),
    "item": _("item"), "assessor": _("assessor"), "document": _("document"),
}
OBJECT_NAMES = {
    "user": _("account"), "countryrole": _("country role"), "invitation": _("invitation"),
    "assessment": _("assessment"), "assessment-import": _("assessment (import)"),
    "assessorentry": _("assessor"), "rating": _("rating"), "evidence": _("evidence"),
    "version": _("signed version"), "recommendation": _("recommendation"),
    "alert": _("alert"),
}


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: the field was not there (a creation)
    after: str | None   # None: the field is gone (a deletion)

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.field}: {self.after}"
        if self.after is None:
            return f"{self.field}: {self.before}"
        return f"{self.field}: {self.before} → {self.after}"


def redacted(value, sensitive: bool = False):
    """``value`` (a snapshot) without secrets: their keys' values replaced by a marker;
    for sensitive evidence also its text and its file's name."""
    if isinstance(value, list):
        return [redacted(v, sensitive) for v in value]
    if not isinstance(value, dict):
        return value
    sensitive = sensitive or bool(value.get("sensitive"))
    out = {}
    for k, v in value.items():
        if k in SECRET_KEYS:
            out[k] = v if v in MARKERS else "[hidden]"
        elif sensitive and k in ("file", "data", "text", "filename"):
            out[k] = "[sensitive]" if v else v
        else:
            out[k] = redacted(v, sensitive)
    return out


def _word(value) -> str:
    from django.utils.translation import gettext

    if value is None or value == "":
        return "—"
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    if isinstance(value, (dict, list)):
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def _value(field: str, value, object_type: str, users: dict) -> str:
    """A stored value as a word of the interface: statuses, roles and levels by their
    names, accounts by their usernames."""
    from tocsin.web.shell.labels import (
        ALERT_STATUS_NAMES,
        ASSESSMENT_STATUS_NAMES,
        ROLE_NAMES,
        SEVERITY_NAMES,
        label,
    )

    if value is None or value == "":
        return "—"
    if field == "status":
        if object_type in ("assessment", "assessment-import"):
            return str(ASSESSMENT_STATUS_NAMES.get(value, value)).lower()
        if object_type == "alert":
            return str(ALERT_STATUS_NAMES.get(value, value)).lower()
        if object_type == "recommendation":
            from tocsin.web.tracker.models import STATUSES

            return str(STATUSES.get(value, value))
        if object_type == "rating":
            return str(label(value, "measure"))
    if field == "role":
        return str(ROLE_NAMES.get(value, value))
    if field == "severity":
        return str(SEVERITY_NAMES.get(value, value)).lower()
    if field in ("confidence", "trend", "effectiveness", "affiliation"):
        return str(label(value, field))
    if field in ("user", "added_by") and isinstance(value, int):
        return users.get(value, f"#{value}")
    return _word(value)


def _fields(snap: dict | None, object_type: str) -> dict:
    """The fields of a snapshot as they are compared: a rating's ``data`` and a
    non-sensitive evidence's ``data`` spread out."""
    if not isinstance(snap, dict):
        return {}
    out = {k: v for k, v in snap.items() if k != "data"}
    data = snap.get("data")
    if isinstance(data, dict) and object_type in ("rating", "evidence"):
        for k, v in data.items():
            if k in ("evidence",):
                continue
            out[k] = v
    return out


def _label(field: str, snap: dict, object_type: str) -> str:
    name = str(FIELD_NAMES.get(field, field.replace("_", " ")))
    if object_type == "rating" and field not in ("assessor", "kind", "item"):
        item = (snap or {}).get("item")
        if item:
            from django.utils.translation import gettext

            return gettext("%(field)s of %(item)s") % {"field": name, "item": item}
    return name


HIDDEN_FIELDS = {"assessor", "kind", "item", "rating"}  # in the object's description


def changes(event, users: dict | None = None) -> list[Change]:
    """What ``event`` changed, field by field, in words; secrets never."""
    from django.utils.translation import gettext

    users = users or {}
    t = event.object_type
    before = event.before if isinstance(event.before, dict) else None
    after = event.after if isinstance(event.after, dict) else None
    sensitive = bool((before or {}).get("sensitive") or (after or {}).get("sensitive"))
    if t == "evidence" and sensitive:
        what = {"create": gettext("sensitive evidence added"),
                "delete": gettext("sensitive evidence removed")}.get(
            event.action, gettext("sensitive evidence changed"))
        return [Change(gettext("evidence"), None, what)]
    b, a = _fields(before, t), _fields(after, t)
    snap = after or before or {}
    out = []
    for field in list(dict.fromkeys([*b, *a])):
        if field in HIDDEN_FIELDS and t in ("rating", "evidence"):
            continue
        old, new = b.get(field), a.get(field)
        name = _label(field, snap, t)
        if field in SECRET_KEYS or field in CHANGED_ONLY:
            if event.action == "update" and old != new:
                out.append(Change(name, None, gettext("changed")))
            elif event.action == "create" and field == "password" and new:
                out.append(Change(name, None, gettext("set")))
            continue
        if event.action == "update":
            if old == new:
                continue
            out.append(Change(name, _value(field, old, t, users), _value(field, new, t, users)))
        elif after is not None and before is None:
            if new in (None, "", [], {}, False):
                continue
            out.append(Change(name, None, _value(field, new, t, users)))
        elif before is not None and after is None:
            if old in (None, "", [], {}, False):
                continue
            out.append(Change(name, _value(field, old, t, users), None))
        elif old != new:
            out.append(Change(name, _value(field, old, t, users), _value(field, new, t, users)))
    return out


def object_text(event) -> str:
    """What the event is about, in words: "rating of indicator 1.1 (gov-1)"."""
    from django.utils.translation import gettext

    t = event.object_type
    snap = event.after if isinstance(event.after, dict) else (
        event.before if isinstance(event.before, dict) else {})
    kind = str(OBJECT_NAMES.get(t, t))
    if t == "rating" and snap.get("item"):
        from tocsin.web.shell.labels import KIND_NAMES

        k = str(KIND_NAMES.get(snap.get("kind"), snap.get("kind") or "")).lower()
        return gettext("rating of %(kind)s %(item)s by %(who)s") % {
            "kind": k, "item": snap["item"], "who": snap.get("assessor", "?")}
    if t == "user" and snap.get("username"):
        return f"{kind} {snap['username']}"
    if event.action == "login" and event.actor_name:
        return f"{kind} {event.actor_name}"
    if t == "login_failed" or event.action == "login_failed":
        return kind
    return f"{kind} {event.object_id}".strip()


def user_names(events) -> dict[int, str]:
    """Usernames of the accounts the events' snapshots name by id (one query)."""
    from django.contrib.auth import get_user_model

    ids = set()
    for e in events:
        for snap in (e.before, e.after):
            if isinstance(snap, dict):
                for k in ("user", "added_by"):
                    if isinstance(snap.get(k), int):
                        ids.add(snap[k])
    if not ids:
        return {}
    return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
