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


# --- situations -------------------------------------------------------------------------------


def situation_text(situation, alerts, url: str) -> str:
    """The citation of a situation used as evidence: its place and weeks, its alerts and
    the events behind them."""
    ids = list(dict.fromkeys(e for a in alerts for e in a.event_ids))
    shown = ", ".join(ids[:15]) + (" ..." if len(ids) > 15 else "")
    events = sum(a.event_count for a in alerts)
    return (f"Tocsin situation #{situation.pk}: {situation.place}, weeks of "
            f"{situation.opened_week.isoformat()} to {situation.last_week.isoformat()}, "
            f"severity {situation.severity}, {situation.status}. Alerts: "
            + ", ".join(f"#{a.pk} {a.rule} ({a.week.isoformat()})" for a in alerts[:12])
            + (f" and {len(alerts) - 12} more" if len(alerts) > 12 else "")
            + f". Events behind them: {events}" + (f" ({shown})" if shown else "") + ".")


class _Cited:
    """What ``indicator_choices`` reads of an alert, for a situation: the indicators
    of its alerts, most cited first."""

    def __init__(self, alerts):
        counts: dict[str, int] = {}
        for a in alerts:
            for i in a.indicators:
                if i.get("ref"):
                    counts[i["ref"]] = counts.get(i["ref"], 0) + 1
        self.indicators = [{"ref": r} for r in sorted(counts, key=lambda r: -counts[r])]


def situation_indicator_choices(situation, assessments) -> list[str]:
    return indicator_choices(_Cited(situation.alerts.all()), assessments)


def use_situation_as_evidence(situation, assessment, indicator: str, user, url: str,
                              sensitive: bool = False):
    """Attach ``situation`` (its alerts, inhibited ones too, and their events) to
    ``indicator`` in the user's own entry of ``assessment``, through
    ``assessments.evidence.add``; the Evidence row."""
    from tocsin.assessment.model import Evidence as EvidenceModel
    from tocsin.web import policy
    from tocsin.web.alerts.models import EvidenceLink
    from tocsin.web.assessments import evidence
    from tocsin.web.audit.log import record

    entry = policy.entry_for(user, assessment)
    if not policy.can_contribute(user, assessment, entry):
        raise PermissionError("not a member of this draft assessment")
    where = f"situation {situation.pk}"
    if assessment.country != situation.country:
        raise InputError(Problem(where, "the assessment is of another country"))
    item = evidence.rated_item(assessment, "indicator", indicator, where)
    alerts = list(situation.alerts.order_by("week", "id"))
    ids = list(dict.fromkeys(e for a in alerts for e in a.event_ids))
    data = EvidenceModel(text=situation_text(situation, alerts, url), url=url,
                         date=situation.last_week, event_id=ids[0] if ids else None,
                         sensitive=sensitive).model_dump(mode="json", exclude_none=True)
    with transaction.atomic():
        ev = evidence.add(entry, "indicator", item, data, user)
        EvidenceLink.objects.create(situation=situation, evidence=ev, event_ids=ids,
                                    created_by=user)
        record("use_as_evidence", situation, None,
               {"assessment": assessment.pk, "indicator": item, "evidence": ev.pk,
                "alerts": [a.pk for a in alerts]}, object_type="situation")
    return ev


# --- silences ---------------------------------------------------------------------------------

MAX_SILENCE = 366  # days: a silence always ends


def create_silence(matchers: dict, ends_at, reason: str, user=None, name: str = "",
                   starts_at=None):
    """A silence of the alerts ``matchers`` match until ``ends_at`` (``InputError`` for
    no matcher, an unknown one, no reason, an end in the past or beyond a year);
    audited."""
    import datetime as dt

    from django.utils import timezone

    from tocsin.warning import situations as core
    from tocsin.web.alerts.models import Silence
    from tocsin.web.audit.log import record

    clean = core.check_matchers(matchers)
    if "country" in clean:
        from tocsin import countries

        if not countries.is_known(clean["country"]):
            raise InputError(Problem("silence", f"{clean['country']!r} is not an ISO 3166-1 "
                                                "alpha-3 country code"))
    if not (reason or "").strip():
        raise InputError(Problem("silence", "a silence needs a reason"))
    now = timezone.now()
    starts_at = starts_at or now
    if ends_at <= max(starts_at, now):
        raise InputError(Problem("silence", "a silence must end in the future, after it starts"))
    if ends_at - starts_at > dt.timedelta(days=MAX_SILENCE):
        raise InputError(Problem("silence", f"a silence lasts at most {MAX_SILENCE} days"))
    name = name or (user.get_username() if user is not None and user.is_authenticated
                    else "command line")
    with transaction.atomic():
        s = Silence.objects.create(matchers=clean, country=clean.get("country", ""),
                                   starts_at=starts_at, ends_at=ends_at, reason=reason.strip(),
                                   author=user if user is not None and user.is_authenticated
                                   else None, author_name=name)
        record("silence", s, None, _silence_snapshot(s), object_type="silence")
    return s


def expire_silence(silence, user=None, name: str = ""):
    """End ``silence`` now (if it has not ended); audited."""
    from django.utils import timezone

    from tocsin.web.audit.log import record

    name = name or (user.get_username() if user is not None and user.is_authenticated
                    else "command line")
    now = timezone.now()
    if silence.ends_at <= now:
        return silence
    with transaction.atomic():
        before = _silence_snapshot(silence)
        silence.ends_at = max(now, silence.starts_at)
        silence.expired_by_name = name
        silence.save()
        record("expire_silence", silence, before, _silence_snapshot(silence),
               object_type="silence")
    return silence


def _silence_snapshot(s) -> dict:
    return {"matchers": s.matchers, "starts_at": s.starts_at.isoformat(),
            "ends_at": s.ends_at.isoformat(), "reason": s.reason, "author": s.author_name}
