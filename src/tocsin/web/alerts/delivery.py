"""Sending alerts: to the subscribers of ``<home>/subscribers.yaml`` and to the people
subscribed in the site, each at most once.

``tocsin.warning.notify`` does the sending (signed webhooks, e-mail). People who
subscribe in the site are turned into the same ``Subscriber`` objects (e-mail
channel, id ``user-<pk>``) and sent with the SMTP settings of that file. Every
delivery is claimed in the database before it is sent (``store.claim``), so
``tocsin warn run`` (the alerts new in a run) and ``tocsin manage notify_subscribers``
(every open alert a site subscriber has not had yet, and retries of failed sends)
never send the same alert to the same person twice, even when they run at once.
"""

from __future__ import annotations

from pathlib import Path

from tocsin.warning import lifecycle, notify
from tocsin.web.alerts import store
from tocsin.web.alerts.models import Alert, Subscription


def site_subscribers() -> list[notify.Subscriber]:
    out = []
    for s in Subscription.objects.filter(active=True, user__is_active=True).select_related("user"):
        email = s.email or s.user.email
        if not email:
            continue
        out.append(notify.Subscriber(id=f"user-{s.user_id}", countries=list(s.countries),
                                     min_severity=s.min_severity, email=email))
    return out


def _send(subs: notify.Subscribers, alerts: list[dict]) -> list[dict]:
    if not subs.subscribers or not alerts:
        return []
    return notify.deliver(subs, alerts, already=lambda a, s, c: not store.claim(a, s, c),
                          record=store.finish)


def deliver_new(alerts: list[dict], subscribers: notify.Subscribers | None) -> list[dict]:
    """Send alerts new in a run to the file's subscribers, then to the site's, through
    the file's SMTP server."""
    subscribers = subscribers or notify.Subscribers()
    sent = _send(subscribers, alerts)
    site = notify.Subscribers(smtp=subscribers.smtp, subscribers=site_subscribers())
    return sent + _send(site, alerts)


def deliver_open(home: Path) -> list[dict]:
    """Send every open alert to the site's subscribers that have not had it yet."""
    smtp = notify.load_subscribers(notify.subscribers_path(Path(home))).smtp
    site = notify.Subscribers(smtp=smtp, subscribers=site_subscribers())
    if not site.subscribers:
        return []
    rows = Alert.objects.filter(status__in=lifecycle.OPEN_STATUSES).order_by(
        "week", "country", "rule", "unit", "id")
    return _send(site, [lifecycle.as_dict(a) for a in rows])
