"""Situations in the site's database: the alerts not yet in one are grouped by the
warning strand's rules (``tocsin.warning.situations.advance``), and the situations, the
alerts' membership and the notification decisions are written in one transaction.

Decisions are unique per situation, kind and week: re-running never decides twice.
What a person decided (acknowledged, escalated, closed with a reason, an alert
dismissed) is read back into the fold, so a reminder goes only to a situation nobody
acknowledged, and a situation a person closed takes no new alert (a new one opens).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from tocsin.warning import situations as core
from tocsin.web.alerts.models import Alert, Situation, SituationChange
from tocsin.web.audit.log import record


@dataclass
class Grouped:
    opened: list[int] = field(default_factory=list)  # situation ids
    decisions: dict[str, int] = field(default_factory=dict)  # kind -> how many
    alerts: int = 0  # alerts put into a situation
    open_situations: int = 0

    def as_dict(self) -> dict:
        return {"alerts_grouped": self.alerts, "opened": len(self.opened),
                "decisions": dict(self.decisions), "open_situations": self.open_situations}


def _state(row: Situation, members: list[Alert]) -> core.Situation:
    return core.Situation(
        key=row.key, country=row.country, unit=row.unit, opened_week=row.opened_week,
        last_week=row.last_week, severity=row.severity,
        notified_severity=row.notified_severity, last_notice_week=row.last_notice_week,
        status=row.status, closed_week=row.closed_week, reason=row.reason,
        closed_by_person=row.closed_by_person,
        members={a.key: core.Member(a.severity, a.week, a.status not in ("dismissed", "closed"),
                                    a.inhibited) for a in members})


def clock_for(given: dict[str, dt.date], countries) -> dict[str, dt.date]:
    """Per country, the later of the sources' last covered week (``given``) and its
    latest alert's week (forecast and assessment alerts have no coverage of their own)."""
    latest = dict(Alert.objects.filter(country__in=list(countries)).values("country")
                  .annotate(w=Max("week")).values_list("country", "w"))
    return {c: max(d for d in (given.get(c), latest.get(c)) if d is not None)
            for c in set(countries) if given.get(c) or latest.get(c)}


def group(settings: core.SituationSettings, clock: dict[str, dt.date],
          notify: bool = True) -> Grouped:
    """Put every alert that is in no situation (baseline alerts aside) into one, and
    store the decisions (``notify=False``: recorded as not to be sent)."""
    out = Grouped()
    with transaction.atomic():
        new = list(Alert.objects.filter(situation__isnull=True, baseline=False)
                   .order_by("week", "id"))
        countries = {a.country for a in new}
        rows = list(Situation.objects.select_for_update().filter(
            Q(status__in=core.OPEN) | Q(country__in=countries)))
        countries |= {r.country for r in rows}
        if not rows and not new:
            return out
        members: dict[int, list[Alert]] = {}
        for a in Alert.objects.filter(situation__in=rows):
            members.setdefault(a.situation_id, []).append(a)
        states = [_state(r, members.get(r.pk, [])) for r in rows]
        for st in states:  # a person may have dismissed its most severe alert
            if st.status != "closed":
                st.severity = st.current_severity() or st.severity
        grouping = core.advance(states, [core.AlertIn.of(a) for a in new],
                                clock_for(clock, countries), settings)
        by_key = {r.key: r for r in rows}
        for key, st in grouping.situations.items():
            row = by_key.get(key)
            values = {"country": st.country, "unit": st.unit, "opened_week": st.opened_week,
                      "last_week": st.last_week,
                      "severity": st.current_severity() or st.severity or "low",
                      "notified_severity": st.notified_severity,
                      "last_notice_week": st.last_notice_week, "status": st.status,
                      "closed_week": st.closed_week, "reason": st.reason}
            if row is None:
                row = Situation.objects.create(key=key, **values)
                by_key[key] = row
                out.opened.append(row.pk)
                record("create", row, None, snapshot(row), object_type="situation")
                continue
            before = snapshot(row)
            if any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                row.updated_at = timezone.now()
                row.save()
                if before["status"] != row.status or before["severity"] != row.severity:
                    record("update", row, before, snapshot(row), object_type="situation")
        alerts = {a.key: a for a in new}
        alerts.update({a.key: a for ms in members.values() for a in ms})
        for key, (skey, inhibited) in grouping.members.items():
            a = alerts[key]
            sid = by_key[skey].pk
            if a.situation_id != sid or a.inhibited != inhibited:
                Alert.objects.filter(pk=a.pk).update(situation_id=sid, inhibited=inhibited)
                out.alerts += a.situation_id is None
        for d in grouping.decisions:
            row = by_key[d.situation]
            try:
                with transaction.atomic():
                    SituationChange.objects.create(
                        situation=row, kind=d.kind, week=d.week, actor_name="tocsin",
                        from_severity=d.previous_severity, to_severity=d.severity,
                        to_status="closed" if d.kind == "closed" else "", reason=d.reason,
                        alerts=list(d.alerts), notify=notify, fanned_out=not notify)
            except IntegrityError:
                continue  # decided before (a run at the same time): never twice
            out.decisions[d.kind] = out.decisions.get(d.kind, 0) + 1
        out.open_situations = Situation.objects.filter(status__in=core.OPEN).count()
    return out


def snapshot(row: Situation) -> dict:
    return {"key": row.key, "status": row.status, "severity": row.severity,
            "opened_week": row.opened_week, "last_week": row.last_week, "reason": row.reason,
            "owner": row.owner.get_username() if row.owner_id else None}


def refresh_severity(situation_id: int) -> None:
    """A situation's severity again from its open alerts (after a person's change)."""
    row = Situation.objects.filter(pk=situation_id).first()
    if row is None or row.status == "closed":
        return
    st = _state(row, list(row.alerts.all()))
    new = st.current_severity()
    if new and new != row.severity:
        Situation.objects.filter(pk=row.pk).update(severity=new, updated_at=timezone.now())
