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


def use_as_evidence(alert, assessment, indicator: str, user, url: str,
                    sensitive: bool = False):
    """Attach ``alert`` and its events to ``indicator`` in the user's own entry of
    ``assessment`` (a draft they may contribute to). Returns the Evidence row."""
    from tocsin.assessment.model import Evidence as EvidenceModel
    from tocsin.web import policy
    from tocsin.web.alerts.models import EvidenceLink
    from tocsin.web.assessments import convert
    from tocsin.web.assessments.models import Evidence, Rating
    from tocsin.web.audit.log import record

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
