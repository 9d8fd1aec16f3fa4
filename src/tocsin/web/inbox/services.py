"""Alert actions of the site, on the warning strand's lifecycle rules.

``tocsin.warning.lifecycle.change_status`` is the command line's entry point; it
starts by ``connect(home)``, which (re)points Django's default database at the
home's database and migrates it. Inside the running site (and its tests, whose
database is not the home's) that must not happen, so ``change_status`` here does
the same transition with the same rules (``alerts.models.TRANSITIONS``), the same
``AlertChange`` row and the same audit snapshot (``lifecycle._snap``), without the
connect. NOTE for the warning owner: splitting lifecycle.change_status into
``connect`` + a connected ``_transition(row, to, reason, name)`` would let both
call one function; this module would then call it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tocsin.errors import InputError, Problem
from tocsin.warning import lifecycle


def actor_name(user) -> str:
    return user.get_username() if user is not None and user.is_authenticated else "system"


def change_status(alert_id: int, to: str, reason: str, user):
    from tocsin.web.alerts.models import TRANSITIONS, Alert, AlertChange
    from tocsin.web.audit.signals import record

    where = f"alert {alert_id}"
    if to == "dismissed" and not reason.strip():
        raise InputError(Problem(where, "dismissing an alert needs a reason"))
    name = actor_name(user)
    with transaction.atomic():
        row = Alert.objects.select_for_update().filter(pk=alert_id).first()
        if row is None:
            raise InputError(Problem(where, "no such alert"))
        if to not in TRANSITIONS.get(row.status, set()):
            allowed = ", ".join(sorted(TRANSITIONS[row.status])) or "none: it is closed"
            raise InputError(Problem(where, f"cannot go from {row.status} to {to} "
                                            f"(allowed: {allowed})"))
        before = lifecycle._snap(row)
        AlertChange.objects.create(alert=row, actor_name=name, from_status=row.status,
                                   to_status=to, reason=reason)
        row.status, row.reason, row.updated_at = to, reason, timezone.now()
        row.save()
        record("status", row, before, lifecycle._snap(row), object_type="alert")
    return row


def evidence_text(alert, url: str) -> str:
    where = alert.country + (f" / {alert.unit}" if alert.unit else "")
    figs = ", ".join(f"{k} {v}" for k, v in sorted(alert.figures.items())
                     if isinstance(v, (int, float)) and k in ("events", "fatalities",
                                                              "civilian_fatalities"))
    ids = ", ".join(alert.event_ids[:10]) + (" ..." if len(alert.event_ids) > 10 else "")
    return (f"Tocsin alert #{alert.pk}: {alert.rule_name} ({alert.severity}) - {where}, week "
            f"of {alert.week.isoformat()}, source {alert.source}"
            + (f"; {figs}" if figs else "")
            + f". Events behind it: {alert.event_count}" + (f" ({ids})" if ids else "") + ".")


def use_as_evidence(alert, assessment, indicator: str, user, url: str,
                    sensitive: bool = False):
    """Attach ``alert`` and its events to ``indicator`` in the user's own entry of
    ``assessment`` (a draft they may contribute to). Returns the Evidence row."""
    from tocsin.assessment.model import Evidence as EvidenceModel
    from tocsin.web import policy
    from tocsin.web.audit.signals import record
    from tocsin.web.inbox.models import EvidenceLink
    from tocsin.web.workspace import convert
    from tocsin.web.workspace.models import Evidence, Rating

    entry = policy.entry_for(user, assessment)
    if not policy.can_contribute(user, assessment, entry):
        raise PermissionError("not a member of this draft assessment")
    if assessment.country != alert.country:
        raise InputError(Problem(f"alert {alert.pk}", "the assessment is of another country"))
    fw = convert.framework(assessment.framework_id)
    # Alerts name indicators with their framework ("un-foa-2014:7.8"); ratings by id.
    prefix, _, bare = indicator.rpartition(":")
    if prefix and prefix != assessment.framework_id:
        raise InputError(Problem(f"alert {alert.pk}", f"indicator {indicator!r} is not of "
                                                      f"{assessment.framework_id}"))
    indicator = bare
    if indicator not in fw.indicators:
        raise InputError(Problem(f"alert {alert.pk}", f"no indicator {indicator!r} in "
                                                      f"{assessment.framework_id}"))
    data = EvidenceModel(text=evidence_text(alert, url), url=url, date=alert.week,
                         event_id=(alert.event_ids[0] if alert.event_ids else None),
                         sensitive=sensitive).model_dump(mode="json", exclude_none=True)
    with transaction.atomic():
        rating, _ = Rating.objects.get_or_create(
            entry=entry, kind="indicator", item=indicator,
            defaults={"data": convert.rating_model("indicator", {}).model_dump(
                mode="json", exclude={"evidence"}, exclude_none=True),
                "position": entry.ratings.filter(kind="indicator").count()})
        ev = Evidence.objects.create(rating=rating, data=data, added_by=user,
                                     position=rating.evidence.count())
        EvidenceLink.objects.create(alert=alert, evidence=ev, event_ids=alert.event_ids,
                                    created_by=user)
        record("use_as_evidence", alert, None,
               {"assessment": assessment.pk, "indicator": indicator, "evidence": ev.pk},
               object_type="alert")
    return ev
