"""Sending: notices of situations' changes, digests and bulletins, to the subscribers of
``<home>/subscribers.yaml`` and to the people subscribed in the site.

``tocsin.warning.notify`` writes and sends the messages (signed webhooks, e-mail).
People who subscribe in the site are turned into the same ``Subscriber`` objects
(e-mail channel, id ``user-<pk>``) and sent with the SMTP settings of that file. Every
notice is a row in the database before it is sent and is claimed before it is sent
(``outbox``), so ``tocsin warn run``, ``tocsin warn digest`` and ``tocsin manage
notify_subscribers`` never send the same notice twice, even when they run at once, and
a crash loses none.
"""

from __future__ import annotations

from pathlib import Path

from tocsin.warning import notify
from tocsin.web.alerts import outbox
from tocsin.web.alerts.models import Subscription


def site_subscribers() -> list[notify.Subscriber]:
    out = []
    for s in Subscription.objects.filter(active=True, user__is_active=True).select_related("user"):
        email = s.email or s.user.email
        if not email:
            continue
        out.append(notify.Subscriber(id=f"user-{s.user_id}", countries=list(s.countries),
                                     min_severity=s.min_severity, email=email,
                                     immediate=s.immediate, digest=s.digest,
                                     bulletin=s.bulletin))
    return out


def everyone(subscribers: notify.Subscribers | None) -> notify.Subscribers:
    """The file's subscribers and the site's, with the file's SMTP server."""
    subscribers = subscribers or notify.Subscribers()
    return subscribers.model_copy(update={
        "subscribers": list(subscribers.subscribers) + site_subscribers()})


def deliver_new(alerts: list[dict], subscribers: notify.Subscribers | None) -> list[dict]:
    """What a run sends: the notices of the changes decided since the last fan-out (this
    run's, and any a crash or another strand left), then every notice still to send.
    ``alerts`` (the run's new alerts) are reached through their situations."""
    subs = everyone(subscribers)
    outbox.fan_out(subs.subscribers)
    return outbox.send_pending(subs)


def deliver_open(home: Path) -> list[dict]:
    """Catching up (``tocsin manage notify_subscribers``): alerts in no situation yet
    grouped into one (with the home's settings), then the same as a run, with the
    subscribers of the home's file and the site's; and a subscriber told nothing yet of
    an open situation they follow gets its latest warning (``outbox.catch_up``)."""
    subs = everyone(notify.load_subscribers(notify.subscribers_path(Path(home))))
    group_ungrouped(Path(home))
    outbox.fan_out(subs.subscribers)
    outbox.catch_up(subs.subscribers)
    return outbox.send_pending(subs)


def group_ungrouped(home: Path) -> dict:
    """Put the kept alerts that are in no situation into one (the home's rule-file
    settings; the clock of its event store where it has one); what grouping did."""
    from tocsin.warning.rules import load_rules_and_settings
    from tocsin.warning.run import data_clock
    from tocsin.web.alerts.grouping import group

    settings = load_rules_and_settings(home)[1].situations
    try:
        clock = data_clock(home)
    except Exception:  # noqa: BLE001 (no event store yet: the alerts' own weeks)
        clock = {}
    return group(settings, clock).as_dict()


# --- digests and bulletins on a schedule ---------------------------------------------------------

DIGEST_KINDS = {"opened": "Opened", "escalated": "Escalated", "closed": "Closed"}


def digest_period(freq: str, at) -> tuple[str, object, object]:
    """(key, start, end) of the last complete day or ISO week before ``at`` (UTC)."""
    import datetime as dt

    day = at.astimezone(dt.UTC).date()
    if freq == "daily":
        start = day - dt.timedelta(days=1)
        end = day
        key = start.isoformat()
    else:
        start = day - dt.timedelta(days=day.weekday() + 7)
        end = start + dt.timedelta(days=7)
        y, w, _ = start.isocalendar()
        key = f"{y}-W{w:02d}"
    as_time = lambda d: dt.datetime.combine(d, dt.time(), tzinfo=dt.UTC)  # noqa: E731
    return key, as_time(start), as_time(end)


def digest_items(sub: notify.Subscriber, start, end) -> dict[str, list[dict]]:
    """The situations opened, escalated (severity rose, or a person escalated) and
    closed in ``[start, end)`` (when it was recorded), for what ``sub`` follows."""
    from tocsin.warning import severity as sev
    from tocsin.web.alerts.models import SituationChange
    from tocsin.web.alerts.store import situation_dict

    out: dict[str, list[dict]] = {k: [] for k in DIGEST_KINDS}
    seen = set()
    rows = (SituationChange.objects.filter(at__gte=start, at__lt=end)
            .filter(kind__in=["opened", "severity-rose", "closed", "status"])
            .select_related("situation").order_by("week", "at", "id"))
    for c in rows:
        s = c.situation
        kind = {"opened": "opened", "severity-rose": "escalated", "closed": "closed"}.get(c.kind)
        if c.kind == "status":
            kind = "escalated" if c.to_status == "escalated" else None
        if kind is None or (kind, s.pk) in seen:
            continue
        if sub.countries and s.country not in sub.countries:
            continue
        level = c.to_severity or s.severity
        if kind != "closed" and sev.rank(level) < sev.rank(sub.min_severity):
            continue
        if kind == "closed" and sev.rank(s.severity) < sev.rank(sub.min_severity):
            continue
        seen.add((kind, s.pk))
        out[kind].append({"situation": situation_dict(s), "change": outbox.change_dict(c)})
    return out


def digest_text(freq: str, key: str, items: dict[str, list[dict]],
                site_url: str | None) -> tuple[str, str]:
    counts = ", ".join(f"{len(v)} {k}" for k, v in items.items())
    subject = f"[Tocsin] {freq} digest {key}: {counts}"
    lines = [f"Tocsin {freq} digest for {key}: situations {counts}.", ""]
    for kind, title in DIGEST_KINDS.items():
        if not items[kind]:
            continue
        lines.append(f"{title}:")
        for it in items[kind]:
            s, c = it["situation"], it["change"]
            where = s["country"] + (f" / {s['unit']}" if s["unit"] else "")
            what = f"week of {c['week']}" if c["week"] else c["at"][:10]
            extra = f" ({c['reason']})" if c.get("reason") else ""
            if c["kind"] == "severity-rose":
                extra = f" (severity {c['from_severity'] or '-'} -> {c['severity']})"
            elif c["kind"] == "status":
                extra = f" (by {c['by']})"
            lines.append(f"  #{s['id']} {where}, {s['severity']}, since {s['opened_week']}: "
                         f"{what}{extra}")
            if site_url:
                lines.append(f"      {site_url.rstrip('/')}/inbox/situations/{s['id']}/")
        lines.append("")
    lines.append("Inbox: tocsin warn situations (or the site's alerts inbox).")
    return subject, "\n".join(lines) + "\n"


def send_digests(home: Path, at=None) -> list[dict]:
    """Send each subscriber's due digest (the last complete day or week), once; one
    dict per digest handled (sent, failed, or nothing to report)."""
    from django.utils import timezone

    at = at or timezone.now()
    subs = everyone(notify.load_subscribers(notify.subscribers_path(Path(home))))
    results = []
    for sub in subs.subscribers:
        if sub.digest == "none":
            continue
        key, start, end = digest_period(sub.digest, at)
        topic = f"digest:{sub.digest}:{key}"
        for channel in sub.channels():
            nid = outbox.claim_topic(topic, sub.id, channel)
            if nid is None:
                continue
            items = digest_items(sub, start, end)
            if not any(items.values()):
                outbox.drop([nid], "nothing to report")
                results.append({"topic": topic, "subscriber": sub.id, "channel": channel,
                                "ok": True, "detail": "nothing to report", "sent": False})
                continue
            subject, text = digest_text(sub.digest, key, items, subs.site_url)
            try:
                if channel == "webhook":
                    detail = notify.post_signed(sub.webhook, {
                        "type": "tocsin.digest", "frequency": sub.digest, "period": key,
                        "items": items}, delivery=f"{topic}|{sub.id}")
                else:
                    detail = notify.send_message(
                        subs.smtp, sub.email, subject, text,
                        outbox.message_id([nid], sub.id, channel, outbox._domain(subs)))
                ok = True
            except notify.SEND_ERRORS as exc:
                detail, ok = f"failed: {exc}", False
            outbox.finish([nid], ok, detail)
            results.append({"topic": topic, "subscriber": sub.id, "channel": channel,
                            "ok": ok, "detail": detail, "sent": ok,
                            "items": {k: len(v) for k, v in items.items()}})
    return results


def send_bulletins(home: Path, at=None) -> list[dict]:
    """E-mail each subscriber with a bulletin schedule the bulletin (PDF) of the last
    complete week or month, of their countries (none: every country with a change in
    it), once."""
    from django.utils import timezone

    from tocsin.reports import bulletin as report
    from tocsin.web.alerts.bulletin import countries_active, gather

    at = at or timezone.now()
    subs = everyone(notify.load_subscribers(notify.subscribers_path(Path(home))))
    results = []
    for sub in subs.subscribers:
        if sub.bulletin == "none" or not sub.email:
            continue
        period = report.Period.previous("week" if sub.bulletin == "weekly" else "month",
                                        at.date())
        topic = f"bulletin:{sub.bulletin}:{period.code}"
        nid = outbox.claim_topic(topic, sub.id, "email")
        if nid is None:
            continue
        codes = list(sub.countries) or countries_active(period)
        if not codes:
            outbox.drop([nid], "nothing to report")
            results.append({"topic": topic, "subscriber": sub.id, "channel": "email",
                            "ok": True, "detail": "nothing to report", "sent": False})
            continue
        try:
            pdf = report.render_pdf(gather(codes, period))
            name = f"tocsin-bulletin-{period.code}.pdf"
            detail = notify.send_message(
                subs.smtp, sub.email, f"[Tocsin] Early-warning bulletin, {period.label}",
                f"The early-warning bulletin of {period.label} for "
                f"{', '.join(codes)} is attached ({name}).\n",
                outbox.message_id([nid], sub.id, "email", outbox._domain(subs)),
                attachments=[(name, "application/pdf", pdf)])
            ok = True
        except notify.SEND_ERRORS as exc:
            detail, ok = f"failed: {exc}", False
        outbox.finish([nid], ok, detail)
        results.append({"topic": topic, "subscriber": sub.id, "channel": "email", "ok": ok,
                        "detail": detail, "sent": ok, "countries": codes})
    return results
