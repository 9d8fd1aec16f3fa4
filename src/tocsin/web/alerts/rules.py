"""Who may silence notifications: new permission rules of the alerts app, written here
until they join ``tocsin.web.policy`` (which holds every other rule; the alert rules
there are reused as they are: a situation has a ``country`` like an alert).

- A silence of one country's alerts: its focal points and the administrators (those
  who act on its alerts, ``policy.can_act_on_alert``).
- A silence without a country (a rule everywhere): administrators only.
- Ending a silence early: whoever may make it.
- Reading silences: any signed-in user (they are shown in the inbox).
"""

from __future__ import annotations

from types import SimpleNamespace


def can_silence(user, country: str) -> bool:
    from tocsin.web import policy

    if not country:
        return policy.is_admin(user)
    return policy.can_act_on_alert(user, SimpleNamespace(country=country))


def can_expire_silence(user, silence) -> bool:
    return can_silence(user, silence.country)
