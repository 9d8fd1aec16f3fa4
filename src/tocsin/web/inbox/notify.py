"""Site subscriptions delivered by the warning strand's notifications.

``tocsin.warning.notify`` sends to the subscribers of ``<home>/subscribers.yaml``.
People who subscribe in the site are turned into the same ``Subscriber`` objects
(e-mail channel, id ``user-<pk>``) and sent through the same ``deliver`` with the
same once-only ``Delivery`` records, using the SMTP settings of that file.

``tocsin warn run`` sends each alert new in the run to them (unless ``--no-notify``);
``tocsin manage notify_subscribers`` sends every open alert not yet sent to them
(what a new subscriber missed, and retries of failed sends). Each delivery is
claimed in the database before it is sent, so the two never send the same alert to
the same person twice, even when they run at the same time.
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


def deliver(home: Path, alerts=None, smtp: notify.Smtp | None = None) -> list[dict]:
    """Send ``alerts`` (Alert rows; default: every open alert) to the site's subscribers,
    each once, through ``smtp`` (default: the one of ``<home>/subscribers.yaml``)."""
    from tocsin.warning import lifecycle
    from tocsin.web.alerts.models import Alert

    if smtp is None:
        smtp = notify.load_subscribers(notify.subscribers_path(Path(home))).smtp
    subs = notify.Subscribers(smtp=smtp, subscribers=site_subscribers())
    if not subs.subscribers:
        return []
    if alerts is None:
        alerts = Alert.objects.filter(status__in=("new", "acknowledged", "escalated"))
    return notify.deliver(subs, [lifecycle.as_dict(a) for a in alerts],
                          already=lambda a, s, c: not lifecycle.claim(a, s, c),
                          record=lifecycle.finish)
