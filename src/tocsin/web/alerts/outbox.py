"""The notices of the warning strand, kept in the database before they are sent.

A notice (``Notice``) is one message to one subscriber by one channel, about a
situation's change, a digest or a bulletin (its ``topic``). Its life:

* ``pending``: made in a transaction of its own once the change it is about was
  committed (``fan_out``), so a crash after storing a change loses nothing: the next
  run (or ``tocsin manage notify_subscribers``) finds it still pending;
* ``sending``: claimed by one process (``owner``: host, process id and start time)
  before it is sent: an UPDATE of pending rows only, so two processes never both send
  it;
* ``sent`` or ``failed`` (tried again by the next run, at most ``MAX_ATTEMPTS`` times);
* ``held``: a silence covers every alert it is about; sent once the silence has ended
  if the situation is still open, else ``dropped``.

A claim whose process is gone (killed mid-send: the SMTP server never acknowledged the
message, so it was not delivered) is taken again by the next run: never lost. It is
sent with the same Message-ID (e-mail) or delivery id (webhook, ``X-Tocsin-Delivery``),
so in the one case a send cannot be known to have failed or not (the process died
after the server accepted the message and before the database recorded it) a mail
client or a receiver sees the same message, not a new one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tocsin.warning import notify
from tocsin.warning import situations as core
from tocsin.web.alerts.models import Alert, Notice, Silence, Situation, SituationChange

CLAIMABLE = ("pending", "held", "failed")
MAX_ATTEMPTS = 5
LEASE = dt.timedelta(minutes=15)  # a claim from another host older than this is abandoned


def _start_ticks(pid: int) -> str:
    """The start time of process ``pid`` (Linux, in clock ticks since boot): with the
    pid, it names one process even after the pid is reused. '' where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def owner() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"


def abandoned(claim_owner: str, claimed_at, now=None) -> bool:
    """Whether a ``sending`` claim's process is gone: on this host, no process with its
    pid and start time; elsewhere, a claim older than ``LEASE``."""
    now = now or timezone.now()
    host, _, rest = claim_owner.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return claimed_at is None or claimed_at < now - LEASE
    pid = int(pid_text)
    if pid == os.getpid() and start == _start_ticks(pid):
        return False
    if start and Path("/proc").is_dir():
        return _start_ticks(pid) != start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def reclaim() -> int:
    """Claims whose process is gone become pending again; how many."""
    n = 0
    for row in Notice.objects.filter(status="sending"):
        if abandoned(row.owner, row.claimed_at):
            n += Notice.objects.filter(pk=row.pk, status="sending", owner=row.owner).update(
                status="pending", detail=f"taken again: {row.owner} stopped while sending it")
    return n


def claim(ids: list[int]) -> list[int]:
    """Claim the notices ``ids`` that are still to send; the ids this process got."""
    me, now = owner(), timezone.now()
    with transaction.atomic():
        Notice.objects.filter(pk__in=ids, status__in=CLAIMABLE).update(
            status="sending", owner=me, claimed_at=now, attempts=F("attempts") + 1)
    return list(Notice.objects.filter(pk__in=ids, status="sending", owner=me, claimed_at=now)
                .order_by("pk").values_list("pk", flat=True))


def finish(ids: list[int], ok: bool, detail: str) -> None:
    Notice.objects.filter(pk__in=ids, status="sending", owner=owner()).update(
        status="sent" if ok else "failed", detail=detail[:2000],
        sent_at=timezone.now() if ok else None)


# --- fan-out: the notices of new decisions -----------------------------------------------------


def fan_out(subscribers: list[notify.Subscriber]) -> int:
    """Make the notices of every change decided and not yet fanned out, for the
    subscribers who want it; how many. One transaction: all or nothing."""
    made = 0
    wanted = [s for s in subscribers if s.immediate and s.channels()]
    with transaction.atomic():
        changes = list(SituationChange.objects.select_for_update()
                       .filter(notify=True, fanned_out=False).select_related("situation")
                       .order_by("week", "id"))
        for ch in changes:
            s = ch.situation
            for sub in wanted:
                told = Notice.objects.filter(situation=s, subscriber=sub.id).exclude(
                    status="dropped").exists()
                if not core.wants(sub.audience(), ch.kind, ch.to_severity or s.severity,
                                  s.country, told):
                    continue
                for channel in sub.channels():
                    try:
                        with transaction.atomic():
                            Notice.objects.create(topic=f"change:{ch.pk}", change=ch,
                                                  situation=s, subscriber=sub.id,
                                                  channel=channel)
                        made += 1
                    except IntegrityError:
                        pass
            SituationChange.objects.filter(pk=ch.pk).update(fanned_out=True)
    return made


def catch_up(subscribers: list[notify.Subscriber]) -> int:
    """For a subscriber told nothing yet about an open situation they follow at its
    current severity (they subscribed after it opened), a notice of its latest warning
    (opened, severity rose, reminder); how many. Unique per change, subscriber and
    channel: never twice."""
    made = 0
    wanted = [s for s in subscribers if s.immediate and s.channels()]
    if not wanted:
        return 0
    for s in Situation.objects.filter(status__in=core.OPEN):
        latest = (SituationChange.objects.filter(situation=s, kind__in=core.WARNINGS,
                                                 notify=True)
                  .order_by("-week", "-id").first())
        if latest is None:
            continue
        for sub in wanted:
            if not core.wants(sub.audience(), latest.kind, s.severity, s.country, False):
                continue
            if Notice.objects.filter(situation=s, subscriber=sub.id).exists():
                continue
            for channel in sub.channels():
                try:
                    with transaction.atomic():
                        Notice.objects.create(topic=f"change:{latest.pk}", change=latest,
                                              situation=s, subscriber=sub.id,
                                              channel=channel)
                    made += 1
                except IntegrityError:
                    pass
    return made


# --- sending ---------------------------------------------------------------------------------


def active_silences(at=None) -> list[core.SilenceIn]:
    at = at or timezone.now()
    return [core.SilenceIn(s.pk, s.matchers, s.starts_at, s.ends_at)
            for s in Silence.objects.filter(starts_at__lte=at, ends_at__gt=at)]


def alert_labels(a: Alert) -> dict:
    return {"country": a.country, "unit": a.unit, "rule": a.rule, "severity": a.severity,
            "source": a.source, "level": a.level}


def message_id(ids: list[int], subscriber: str, channel: str, domain: str) -> str:
    digest = hashlib.sha256(f"{min(ids)}|{subscriber}|{channel}".encode()).hexdigest()[:20]
    return f"<tocsin.{digest}@{domain}>"


def _domain(subs: notify.Subscribers) -> str:
    return subs.smtp.sender.rpartition("@")[2] or "tocsin.invalid"


def send_pending(subs: notify.Subscribers, at=None) -> list[dict]:
    """Send every pending (or failed, or held and no longer silenced) notice of a
    situation's change, one message per situation, subscriber and channel; one dict per
    message tried."""
    from tocsin.web.alerts.store import situation_dict

    reclaim()
    at = at or timezone.now()
    by_id = {s.id: s for s in subs.subscribers}
    silences = active_silences(at)
    rows = list(Notice.objects.filter(status__in=CLAIMABLE, attempts__lt=MAX_ATTEMPTS,
                                      change__isnull=False)
                .select_related("change", "situation").order_by("change__week", "id"))
    groups: dict[tuple, list[Notice]] = {}
    for n in rows:
        groups.setdefault((n.situation_id, n.subscriber, n.channel), []).append(n)
    results = []
    for (sid, subscriber, channel), notices in groups.items():
        sub = by_id.get(subscriber)
        ids = [n.pk for n in notices]
        situation = notices[0].situation
        if sub is None:
            Notice.objects.filter(pk__in=ids).update(status="dropped",
                                                     detail="no longer a subscriber")
            continue
        alerts = _alerts_about(situation, [n.change for n in notices])
        silence = core.silenced_by(silences, [alert_labels(a) for a in alerts], at)
        if silence is not None:
            Notice.objects.filter(pk__in=ids).update(
                status="held", detail=f"held by silence #{silence.id} until "
                                      f"{silence.ends_at.isoformat(timespec='minutes')}")
            continue
        was_held = [n for n in notices if n.status == "held"]
        if was_held and situation.status == "closed" and not Notice.objects.filter(
                situation=situation, subscriber=subscriber, status="sent").exists():
            Notice.objects.filter(pk__in=ids).update(
                status="dropped", detail="silenced until the situation closed")
            continue
        mine = claim(ids)
        if not mine:
            continue
        changes = [n.change for n in notices if n.pk in mine]
        body = notify.situation_message(
            situation_dict(situation), [change_dict(c) for c in changes],
            [_alert_dict(a) for a in _alerts_about(situation, changes)], subs.site_url)
        mid = message_id(mine, subscriber, channel, _domain(subs))
        try:
            detail = notify.send_situation(subs, sub, channel, body, mid)
            ok = True
        except notify.SEND_ERRORS as exc:
            detail, ok = f"failed: {exc}", False
        finish(mine, ok, detail)
        results.append({"situation": sid, "notices": mine, "subscriber": subscriber,
                        "channel": channel, "ok": ok, "detail": detail,
                        "kinds": [c.kind for c in changes]})
    return results


def _alerts_about(situation: Situation, changes: list[SituationChange]) -> list[Alert]:
    """The alerts a message is about: those its changes name (a closing: every alert of
    the situation that is not inhibited)."""
    keys = {k for c in changes for k in c.alerts}
    qs = Alert.objects.filter(situation=situation)
    if any(c.kind == "closed" for c in changes) or not keys:
        return list(qs.filter(inhibited=False).order_by("week", "id"))
    return list(qs.filter(key__in=keys).order_by("week", "id"))


def _alert_dict(a: Alert) -> dict:
    from tocsin.warning.lifecycle import as_dict

    return as_dict(a)


def change_dict(c: SituationChange) -> dict:
    return {"id": c.pk, "kind": c.kind, "week": c.week.isoformat() if c.week else None,
            "at": c.at.isoformat(), "from_severity": c.from_severity,
            "severity": c.to_severity, "from_status": c.from_status, "status": c.to_status,
            "reason": c.reason, "alerts": list(c.alerts), "by": c.actor_name}


# --- digests and bulletins ---------------------------------------------------------------------


def claim_topic(topic: str, subscriber: str, channel: str) -> int | None:
    """The notice of a digest or bulletin, made if new and claimed; None if it was sent
    (or is being sent) already."""
    try:
        with transaction.atomic():
            row = Notice.objects.create(topic=topic, subscriber=subscriber, channel=channel)
    except IntegrityError:
        row = Notice.objects.filter(topic=topic, subscriber=subscriber, channel=channel).first()
        if row is None:
            return None
        if row.status == "sending" and abandoned(row.owner, row.claimed_at):
            Notice.objects.filter(pk=row.pk, status="sending").update(status="pending")
    mine = claim([row.pk])
    return mine[0] if mine else None


def drop(ids: list[int], detail: str) -> None:
    Notice.objects.filter(pk__in=ids, owner=owner()).update(status="dropped", detail=detail)
