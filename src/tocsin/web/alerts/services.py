"""Alert actions of the site, on the warning strand's lifecycle rules.

Status changes go through ``store.transition``, the function the command line uses
too, so the rules (``tocsin.warning.lifecycle``), the ``AlertChange`` row and the
audit snapshot are one code path for both.
"""

from __future__ import annotations

from django.db import transaction

from tocsin.errors import InputError, Problem
from tocsin.web.alerts import store


def actor_name(user) -> str:
    return user.get_username() if user is not None and user.is_authenticated else "system"


def change_status(alert_id: int, to: str, reason: str, user):
    from tocsin.web.audit.context import acting, current

    # ``transition`` audits as the context's user: make it this one, whatever the
    # caller, keeping the request's address.
    address = current()[1]
    with acting(user if user is not None and user.is_authenticated else None,
                address=address, name=actor_name(user)):
        return store.transition(alert_id, to, reason, actor_name(user))


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


def comment(alert, user, text: str):
    """A comment on ``alert`` by ``user`` (permission is the caller's to check)."""
    from tocsin.web.alerts.models import Note
    from tocsin.web.audit.log import record

    with transaction.atomic():
        note = Note.objects.create(alert=alert, author=user, text=text)
        record("comment", alert, None, {"note": note.pk}, object_type="alert")
    return note


def indicator_choices(alert, assessments) -> list[str]:
    """The indicators ``alert`` is evidence for, as the ids the frameworks of
    ``assessments`` know them by (alerts name them with their framework:
    "un-foa-2014:7.8"), in the alert's order; for the "use as evidence" form."""
    from tocsin.web.assessments import convert

    frameworks = {a.framework_id: convert.framework(a.framework_id) for a in assessments}
    out = []
    for ref in (i["ref"] for i in alert.indicators if i.get("ref")):
        for fw in frameworks.values():
            bare = fw.own(ref)
            if bare is not None and bare not in out:
                out.append(bare)
    return out


def use_as_evidence(alert, assessment, indicator: str, user, url: str,
                    sensitive: bool = False):
    """Attach ``alert`` and its events to ``indicator`` (its id in the assessment's
    framework, or a reference "doc:id" the framework resolves) in the user's own entry
    of ``assessment`` (a draft they may contribute to). Returns the Evidence row."""
    from tocsin.assessment.model import Evidence as EvidenceModel
    from tocsin.web import policy
    from tocsin.web.alerts.models import EvidenceLink
    from tocsin.web.assessments import evidence
    from tocsin.web.audit.log import record

    entry = policy.entry_for(user, assessment)
    if not policy.can_contribute(user, assessment, entry):
        raise PermissionError("not a member of this draft assessment")
    where = f"alert {alert.pk}"
    if assessment.country != alert.country:
        raise InputError(Problem(where, "the assessment is of another country"))
    item = evidence.rated_item(assessment, "indicator", indicator, where)
    data = EvidenceModel(text=evidence_text(alert, url), url=url, date=alert.week,
                         event_id=(alert.event_ids[0] if alert.event_ids else None),
                         sensitive=sensitive).model_dump(mode="json", exclude_none=True)
    with transaction.atomic():
        ev = evidence.add(entry, "indicator", item, data, user)
        EvidenceLink.objects.create(alert=alert, evidence=ev, event_ids=alert.event_ids,
                                    created_by=user)
        record("use_as_evidence", alert, None,
               {"assessment": assessment.pk, "indicator": item, "evidence": ev.pk},
               object_type="alert")
    return ev
