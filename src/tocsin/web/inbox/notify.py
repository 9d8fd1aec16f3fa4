"""Site subscriptions delivered by the warning strand's notifications.

``tocsin.warning.notify`` sends to the subscribers of ``<home>/subscribers.yaml``.
People who subscribe in the site are turned into the same ``Subscriber`` objects
(e-mail channel, id ``user-<pk>``) and sent through the same ``deliver`` with the
same once-only ``Delivery`` records, using the SMTP settings of that file.
``tocsin manage notify_subscribers`` runs it (after ``tocsin warn run``).
"""

from __future__ import annotations

from pathlib import Path

from tocsin.warning import notify


def site_subscribers() -> list[notify.Subscriber]:
    from tocsin.web.inbox.models import Subscription

    out = []
    for s in Subscription.objects.filter(active=True, user__is_active=True).select_related("user"):
        email = s.email or s.user.email
        if not email:
            continue
        out.append(notify.Subscriber(id=f"user-{s.user_id}", countries=list(s.countries),
                                     min_severity=s.min_severity, email=email))
    return out


def deliver(home: Path, alerts=None) -> list[dict]:
    """Send ``alerts`` (default: every open alert) to the site's subscribers, each once."""
    from tocsin.warning.lifecycle import as_dict
    from tocsin.web.alerts.models import Alert, Delivery

    smtp = notify.load_subscribers(notify.subscribers_path(Path(home))).smtp
    subs = notify.Subscribers(smtp=smtp, subscribers=site_subscribers())
    if not subs.subscribers:
        return []
    if alerts is None:
        alerts = Alert.objects.filter(status__in=("new", "acknowledged", "escalated"))

    def already(alert_id, subscriber, channel):
        return Delivery.objects.filter(alert_id=alert_id, subscriber=subscriber,
                                       channel=channel, ok=True).exists()

    def record(alert_id, subscriber, channel, ok, detail):
        Delivery.objects.update_or_create(alert_id=alert_id, subscriber=subscriber,
                                          channel=channel, defaults={"ok": ok, "detail": detail})

    return notify.deliver(subs, [as_dict(a) for a in alerts], already=already, record=record)
