"""Situations: the alerts of one place grouped into one episode, and the notifications
a person receives about it (instead of one per alert).

Modelled on Prometheus Alertmanager, in Tocsin's terms and in weeks (the unit of the
signals), so that a replay over history (the backtest) decides exactly what a live
run decides:

* **grouping** (Alertmanager's ``group_by``): an alert belongs to the situation of its
  place, a country, or a province the rule file names (``provinces``), or every
  province (``group_by: admin1``). A situation opens with its first alert and closes
  after ``quiet_weeks`` weeks without a new one (data weeks: a situation closes when
  the sources cover ``quiet_weeks`` weeks past its last alert).
* **severity**: the highest of its open alerts (a dismissed alert no longer counts).
* **inhibition** (``inhibit_rules`` with ``equal: [situation, week]``): in one week of
  one situation, the most severe alerts inhibit the lesser ones. An inhibited alert
  stays in the timeline, marked, and keeps the situation alive; it is never what a
  notification is about.
* **notifications** (the decisions): one when a situation opens, one when its
  severity rises above what was notified, a reminder after ``repeat_weeks``
  (``repeat_interval``) while it is still unacknowledged and still firing (a new alert
  that week), one when it closes. At most one per situation and week: a week's alerts
  are one batch (``group_wait`` and ``group_interval`` are a week; no wait is added,
  so a situation never delays the first warning of its first alert).
* **silences** (``silences``): a time-boxed matcher set with an author and a reason;
  a notification whose alerts all match an active silence is held, and sent when the
  silence ends if the situation is still open (``silence_matches``).

Plain Python over plain data: the site stores situations (``tocsin.web.alerts``),
the backtest replays them (``tocsin.warning.backtest``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tocsin.countries import ISO3
from tocsin.errors import InputError, Problem
from tocsin.warning import severity as sev

SituationStatus = Literal["open", "acknowledged", "escalated", "closed"]
STATUSES: tuple[str, ...] = get_args(SituationStatus)
OPEN = ("open", "acknowledged", "escalated")  # not closed
# What a person may do with a situation (the system opens and closes it too).
MOVES: dict[str, frozenset[str]] = {
    "open": frozenset({"acknowledged", "escalated", "closed"}),
    "acknowledged": frozenset({"escalated", "closed"}),
    "escalated": frozenset({"acknowledged", "closed"}),
    "closed": frozenset(),
}
# The notification decisions, in the order they can happen to one situation.
DecisionKind = Literal["opened", "severity-rose", "reminder", "closed"]
DECISIONS: tuple[str, ...] = get_args(DecisionKind)
WARNINGS = ("opened", "severity-rose", "reminder")  # a closing is news, not a warning
MATCHER_LABELS = ("country", "unit", "rule", "severity", "source", "level")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Province = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class SituationSettings(_Model):
    """The ``situations:`` block of a rule file (documented defaults)."""

    group_by: Literal["country", "admin1"] = "country"
    provinces: dict[ISO3, list[Province]] = {}  # with group_by country: own situations
    quiet_weeks: int = Field(8, ge=1, le=104)
    repeat_weeks: int = Field(13, ge=1, le=104)
    inhibit: bool = True


def check_move(situation_id: int, current: str, to: str, reason: str = "") -> None:
    """Raise ``InputError`` unless a person may move situation ``situation_id`` from
    ``current`` to ``to`` (closing needs a reason)."""
    where = f"situation {situation_id}"
    if to not in STATUSES:
        raise InputError(Problem(where, f"{to!r} is not a status (one of "
                                        f"{', '.join(STATUSES)})"))
    if to == "closed" and not reason.strip():
        raise InputError(Problem(where, "closing a situation needs a reason"))
    if to not in MOVES.get(current, frozenset()):
        allowed = ", ".join(sorted(MOVES.get(current, ()))) or "none: it is closed"
        raise InputError(Problem(where, f"cannot go from {current} to {to} "
                                        f"(allowed: {allowed})"))


# --- plain data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertIn:
    """What grouping needs of an alert."""

    key: str
    rule: str
    severity: str
    country: str
    unit: str
    week: dt.date
    open: bool = True  # not dismissed or closed by a person
    source: str = ""
    level: str = "country"

    @classmethod
    def of(cls, a) -> AlertIn:
        """From anything with an alert's attributes (``alerts.Alert``, a stored row)."""
        week = a.week if isinstance(a.week, dt.date) else dt.date.fromisoformat(a.week)
        status = getattr(a, "status", "new")
        return cls(a.key, a.rule, a.severity, a.country, a.unit or "", week,
                   status not in ("dismissed", "closed"), getattr(a, "source", ""),
                   getattr(a, "level", "country"))


@dataclass
class Member:
    severity: str
    week: dt.date
    open: bool = True
    inhibited: bool = False


@dataclass
class Situation:
    key: str
    country: str
    unit: str
    opened_week: dt.date
    last_week: dt.date
    severity: str = ""
    notified_severity: str = ""  # the highest severity a notification has carried
    last_notice_week: dt.date | None = None
    status: str = "open"
    closed_week: dt.date | None = None
    reason: str = ""
    closed_by_person: bool = False
    members: dict[str, Member] = field(default_factory=dict)

    @property
    def place(self) -> tuple[str, str]:
        return self.country, self.unit

    def current_severity(self) -> str:
        return sev.highest(m.severity for m in self.members.values() if m.open)


@dataclass(frozen=True)
class Decision:
    """A notification to make about a situation, on a data week."""

    situation: str
    kind: str
    week: dt.date
    severity: str
    previous_severity: str = ""
    alerts: tuple[str, ...] = ()  # the alerts it is about (none inhibited)
    reason: str = ""


@dataclass
class Grouping:
    situations: dict[str, Situation]  # every situation given or made, by key
    members: dict[str, tuple[str, bool]]  # alert key -> (situation key, inhibited)
    decisions: list[Decision]


def situation_key(country: str, unit: str, week: dt.date) -> str:
    return f"{country}|{unit}|{week.isoformat()}"


def place_of(alert: AlertIn, settings: SituationSettings) -> tuple[str, str]:
    """The place whose situation an alert belongs to: (country, province or "")."""
    if not alert.unit:
        return alert.country, ""
    if settings.group_by == "admin1":
        return alert.country, alert.unit
    wanted = {p.casefold() for p in settings.provinces.get(alert.country, [])}
    return (alert.country, alert.unit) if alert.unit.casefold() in wanted else (alert.country, "")


def inhibited(week_members: dict[str, Member], inhibit: bool = True) -> set[str]:
    """Of one situation's alerts of one week, those a more severe open one inhibits."""
    if not inhibit:
        return set()
    top = max((sev.rank(m.severity) for m in week_members.values() if m.open), default=-1)
    return {k for k, m in week_members.items() if sev.rank(m.severity) < top}


# --- the fold --------------------------------------------------------------------------------


def advance(situations: list[Situation], alerts: list[AlertIn], clock: dict[str, dt.date],
            settings: SituationSettings) -> Grouping:
    """Group ``alerts`` (not yet in a situation) into ``situations`` (those already
    known for their places, with their members), week by week, and decide the
    notifications. ``clock``: per country, the last week the sources cover (a
    situation closes only once the data show its quiet weeks). The given situations are
    changed in place and returned with the new ones."""
    quiet = dt.timedelta(weeks=settings.quiet_weeks)
    repeat = dt.timedelta(weeks=settings.repeat_weeks)
    by_place: dict[tuple[str, str], list[Situation]] = {}
    for s in sorted(situations, key=lambda s: s.opened_week):
        by_place.setdefault(s.place, []).append(s)
    out = Grouping({s.key: s for s in situations}, {}, [])

    def close(s: Situation, upto: dt.date) -> None:
        if s.status != "closed" and s.last_week + quiet <= upto:
            s.status, s.closed_week = "closed", s.last_week + quiet
            s.reason = (f"quiet for {settings.quiet_weeks} weeks: no new alert since the "
                        f"week of {s.last_week.isoformat()}")
            out.decisions.append(Decision(s.key, "closed", s.closed_week, s.severity,
                                          s.severity, reason=s.reason))

    def close_due(upto: dt.date) -> None:
        for sits in by_place.values():
            s = sits[-1]
            close(s, min(upto, clock.get(s.country, upto)))

    def find(place, week: dt.date) -> Situation | None:
        sits = [s for s in by_place.get(place, []) if s.opened_week <= week]
        if not sits:
            return None
        s = sits[-1]
        if s.status != "closed":
            return s if week < s.last_week + quiet else None
        if not s.closed_by_person and s.closed_week is not None and week < s.closed_week:
            return s  # a late alert inside a situation that closed for quiet: joins it
        return None

    batches: dict[dt.date, dict[tuple[str, str], list[AlertIn]]] = {}
    for a in alerts:
        batches.setdefault(a.week, {}).setdefault(place_of(a, settings), []).append(a)
    for week in sorted(batches):
        close_due(week)
        for place, batch in sorted(batches[week].items()):
            s = find(place, week)
            opened = s is None
            if opened:
                s = Situation(situation_key(*place, week), place[0], place[1], week, week)
                by_place.setdefault(place, []).append(s)
                by_place[place].sort(key=lambda x: x.opened_week)
                out.situations[s.key] = s
            for a in batch:
                s.members[a.key] = Member(a.severity, a.week, a.open)
            same_week = {k: m for k, m in s.members.items() if m.week == week}
            muted = inhibited(same_week, settings.inhibit)
            for k, m in same_week.items():
                m.inhibited = k in muted
                out.members[k] = (s.key, m.inhibited)
            if s.status == "closed":  # a late alert: joins silently
                continue
            s.last_week = max(s.last_week, week)
            before = s.notified_severity
            s.severity = s.current_severity()
            about = tuple(sorted(a.key for a in batch if a.open and a.key not in muted))
            if not about:
                continue
            kind = None
            if opened:
                kind = "opened"
            elif sev.rank(s.severity) > sev.rank(s.notified_severity):
                kind = "severity-rose"
            elif (s.status == "open" and s.last_notice_week is not None
                  and week - s.last_notice_week >= repeat):
                kind = "reminder"
            if kind is None:
                continue
            out.decisions.append(Decision(s.key, kind, week, s.severity, before, about))
            s.last_notice_week = week
            s.notified_severity = sev.highest([s.notified_severity, s.severity])
    for sits in by_place.values():
        s = sits[-1]
        if s.country in clock:
            close(s, clock[s.country])
    return out


def replay(alerts: list[AlertIn], clock: dict[str, dt.date],
           settings: SituationSettings) -> Grouping:
    """Situations and notifications of ``alerts`` from nothing: what a person following
    them live would have had (nobody acknowledging, nothing silenced)."""
    return advance([], alerts, clock, settings)


# --- who receives what -------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """What a subscriber follows: countries (none = all) and the lowest severity."""

    countries: tuple[str, ...] = ()
    min_severity: str = "high"

    def follows(self, country: str) -> bool:
        return not self.countries or country in self.countries


def wants(audience: Audience, kind: str, severity: str, country: str, told: bool) -> bool:
    """Whether a subscriber gets a decision of ``kind`` at ``severity``: a warning at or
    above their severity for their countries; a closing only of a situation they were
    told about."""
    if not audience.follows(country):
        return False
    if kind == "closed":
        return told
    return sev.rank(severity) >= sev.rank(audience.min_severity)


def notices_for(grouping: Grouping, audience: Audience) -> list[Decision]:
    """The decisions of ``grouping`` that reach a subscriber of ``audience``, in order."""
    told: set[str] = set()
    out = []
    for d in sorted(grouping.decisions, key=lambda d: (d.week, DECISIONS.index(d.kind))):
        s = grouping.situations[d.situation]
        if wants(audience, d.kind, d.severity, s.country, d.situation in told):
            out.append(d)
            told.add(d.situation)
    return out


# --- silences ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SilenceIn:
    id: int
    matchers: dict
    starts_at: dt.datetime
    ends_at: dt.datetime

    def active(self, at: dt.datetime) -> bool:
        return self.starts_at <= at < self.ends_at


def check_matchers(matchers: dict, where: str = "silence") -> dict:
    """``matchers`` cleaned (label -> value, equality); ``InputError`` if a label is
    unknown or none is given (a silence of everything is refused)."""
    clean = {}
    for k, v in (matchers or {}).items():
        if k not in MATCHER_LABELS:
            raise InputError(Problem(where, f"unknown matcher {k!r} (one of "
                                            f"{', '.join(MATCHER_LABELS)})"))
        v = str(v).strip()
        if v:
            clean[k] = v.upper() if k == "country" else v
    if not clean:
        raise InputError(Problem(where, "a silence needs at least one matcher (e.g. a "
                                        "country): silencing everything is refused"))
    if "severity" in clean and clean["severity"] not in sev.SEVERITIES:
        raise InputError(Problem(where, f"severity {clean['severity']!r} is not one of "
                                        f"{', '.join(sev.SEVERITIES)}"))
    return clean


def silence_matches(matchers: dict, labels: dict) -> bool:
    """An alert's ``labels`` match when every matcher equals its label (unit and rule
    compared without case)."""
    for k, v in matchers.items():
        got = str(labels.get(k, "") or "")
        if k in ("unit", "rule", "source") and got.casefold() != str(v).casefold():
            return False
        if k not in ("unit", "rule", "source") and got != str(v):
            return False
    return True


def silenced_by(silences: list[SilenceIn], alert_labels: list[dict],
                at: dt.datetime) -> SilenceIn | None:
    """The active silence that holds a notification about ``alert_labels`` (every one of
    them matched by an active silence; the one ending last is named), or None."""
    active = [s for s in silences if s.active(at)]
    if not active or not alert_labels:
        return None
    named = None
    for labels in alert_labels:
        hits = [s for s in active if silence_matches(s.matchers, labels)]
        if not hits:
            return None
        best = max(hits, key=lambda s: s.ends_at)
        if named is None or best.ends_at > named.ends_at:
            named = best
    return named


def copy_situation(s: Situation) -> Situation:
    return replace(s, members={k: replace(m) for k, m in s.members.items()})
