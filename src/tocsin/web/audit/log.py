"""The audit log's writer: ``record`` an action, and every create, update and delete of
the audited models becomes an AuditEvent through Django's model signals.

Signals rather than calls in the views, so that nothing that writes (a view, a
management command, the shell) can skip the log. The actor comes from
``audit.context`` (set per request by the middleware, per command by ``acting``).
Every entry is appended to the hash chain (``chain.append``) in the writer's
transaction.
"""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_delete, post_save, pre_save

from tocsin.web.audit import chain
from tocsin.web.audit.context import current

USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "is_staff",
               "is_superuser")


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _keyed_digest(value) -> str:
    """An HMAC of ``value`` keyed with the site's secret key: it tells that sensitive
    evidence changed, and, unlike a plain SHA-256 of a short text, cannot be confirmed
    by hashing guesses without the key."""
    from django.utils.crypto import salted_hmac

    text = json.dumps(value, sort_keys=True, default=str)
    return salted_hmac("tocsin.audit.sensitive-evidence", text, algorithm="sha256").hexdigest()


def snapshot(instance) -> dict:
    """What the log keeps of an object. Secrets never: no password hash nor any digest
    of it (``_post_save`` records that a password changed), and sensitive evidence only
    as a keyed digest, without its text or its file's original name, so the log (which
    administrators read) never becomes a copy of it."""
    from tocsin.web.accounts.models import CountryRole, Invitation
    from tocsin.web.assessments.models import Assessment, AssessorEntry, Evidence, Rating, Version

    User = get_user_model()
    if isinstance(instance, User):
        return {f: getattr(instance, f) for f in USER_FIELDS}
    if isinstance(instance, Evidence):
        snap = {"rating": instance.rating_id, "added_by": instance.added_by_id,
                "sensitive": instance.sensitive}
        if instance.sensitive:
            snap["document"] = bool(instance.document)
            snap["data_hmac"] = _keyed_digest([instance.data, instance.filename])
        else:
            snap.update(file=instance.filename, content_type=instance.content_type,
                        data=instance.data)
        return snap
    if isinstance(instance, Rating):
        return {"assessor": instance.entry.key, "kind": instance.kind, "item": instance.item,
                "data": instance.data}
    if isinstance(instance, AssessorEntry):
        return {"key": instance.key, "name": instance.name, "affiliation": instance.affiliation,
                "role": instance.role, "user": instance.user_id}
    if isinstance(instance, Assessment):
        return {"country": instance.country, "framework": instance.framework_id,
                "title": instance.title, "status": instance.status,
                "version": instance.version, "document_sha256": _digest(instance.document)}
    if isinstance(instance, Version):
        return {"number": instance.number, "sha256": instance.sha256}
    if isinstance(instance, CountryRole):
        return {"user": instance.user_id, "country": instance.country, "role": instance.role}
    if isinstance(instance, Invitation):
        return {"email": instance.email, "role": instance.role, "country": instance.country,
                "assessment": instance.assessment_id,
                "accepted": instance.accepted_at is not None}
    return {}


def _where(instance) -> tuple[int | None, str]:
    from tocsin.web.assessments.models import Assessment, AssessorEntry, Evidence, Rating, Version

    a = None
    if isinstance(instance, Assessment):
        a = instance
    elif isinstance(instance, (AssessorEntry, Version)):
        a = instance.assessment
    elif isinstance(instance, Rating):
        a = instance.entry.assessment
    elif isinstance(instance, Evidence):
        a = instance.rating.entry.assessment
    if a is not None:
        return a.pk, a.country
    return None, getattr(instance, "country", "") or ""


def jsonable(value):
    return json.loads(json.dumps(value, default=str))


def record(action: str, instance=None, before=None, after=None, object_type=None,
           object_id=None, actor=None):
    user, address, name = current()
    if actor is not None:
        user, name = actor, actor.get_username()
    assessment_id, country = _where(instance) if instance is not None else (None, "")
    return chain.append(
        actor=user, actor_name=name[:150], action=action,
        object_type=object_type or type(instance).__name__.lower(),
        object_id=str(object_id if object_id is not None else getattr(instance, "pk", "")),
        assessment_id=assessment_id, country=country,
        before=jsonable(before), after=jsonable(after), address=address)


def _pre_save(sender, instance, **kwargs):
    instance._audit_before = None
    instance._audit_password = None
    if instance.pk is not None:
        old = sender._default_manager.filter(pk=instance.pk).first()
        if old is not None:
            instance._audit_before = snapshot(old)
            instance._audit_password = getattr(old, "password", None)


def _post_save(sender, instance, created, **kwargs):
    if kwargs.get("raw"):
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if isinstance(instance, get_user_model()):
        # That the password changed (or was set), never the hash or a digest of it.
        if created and instance.has_usable_password():
            after["password"] = "set"
        elif not created and getattr(instance, "_audit_password", None) != instance.password:
            after["password"] = "changed"
    if not created and before == after:
        return  # e.g. only last_login moved: the login itself is logged below
    record("create" if created else "update", instance, None if created else before, after)


def _post_delete(sender, instance, **kwargs):
    try:
        snap = snapshot(instance)
        where = _where(instance)
    except Exception:  # the parent is already gone in a cascade
        snap, where = {"id": instance.pk}, (None, "")
    user, address, name = current()
    chain.append(
        actor=user, actor_name=name[:150], action="delete",
        object_type=type(instance).__name__.lower(), object_id=str(instance.pk),
        assessment_id=where[0], country=where[1], before=jsonable(snap), after=None,
        address=address)


def _logged_in(sender, request, user, **kwargs):
    record("login", user, object_type="user", actor=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    record("login_failed", None, after={"username": str(credentials.get("username", ""))[:150]},
           object_type="user", object_id="")


def audited_models():
    from tocsin.web.accounts.models import CountryRole, Invitation
    from tocsin.web.assessments.models import Assessment, AssessorEntry, Evidence, Rating, Version

    return [get_user_model(), CountryRole, Invitation, Assessment, AssessorEntry, Rating,
            Evidence, Version]


def connect():
    for model in audited_models():
        uid = f"audit-{model._meta.label}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid + "-pre")
        post_save.connect(_post_save, sender=model, dispatch_uid=uid + "-post")
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid + "-del")
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")
