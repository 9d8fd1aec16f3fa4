"""Notifications: a JSON webhook signed with HMAC-SHA256, and e-mail; about a
situation's change (``situation_message``: opened, severity rose, reminder, closed),
in a digest, with the early-warning bulletin, or (``deliver``) about single alerts.

Who gets what is data: ``<home>/subscribers.yaml`` lists subscribers, each with
the countries they follow (none = all), the lowest severity they want, and a
webhook and/or an e-mail address; the SMTP server is set once at the top. Secrets
are named by environment variable (``secret_env``, ``password_env``) so the file
can be shared without them. Format and signature: docs/early-warning.md.

Webhook signature: header ``X-Tocsin-Signature: sha256=<hex>``, the HMAC-SHA256 of
``<X-Tocsin-Timestamp>.<body>`` with the subscriber's secret. Including the
timestamp lets a receiver refuse replays of an old message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
import time
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from tocsin.countries import ISO3
from tocsin.errors import InputError, Problem
from tocsin.warning import severity
from tocsin.warning.severity import Severity
from tocsin.yamlsource import pydantic_problems, read_yaml


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Smtp(_Model):
    host: str = "127.0.0.1"
    port: int = 25
    sender: str = Field("tocsin@localhost", alias="from")
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout: float = 30


class Webhook(_Model):
    url: Annotated[str, StringConstraints(pattern=r"^https?://")]
    secret: str | None = None  # prefer secret_env: the file then holds no secret
    secret_env: str | None = None
    timeout: float = 30


class Subscriber(_Model):
    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    countries: list[ISO3] = []
    min_severity: Severity = "high"
    include_baseline: bool = False  # HDX baseline alerts are for the backtest by default
    email: str | None = None
    webhook: Webhook | None = None
    immediate: bool = True  # a notice for each situation's change
    digest: Literal["none", "daily", "weekly"] = "none"
    bulletin: Literal["none", "weekly", "monthly"] = "none"  # by e-mail, as a PDF

    def channels(self) -> list[str]:
        return [c for c, on in (("webhook", self.webhook), ("email", self.email)) if on]

    def audience(self):
        from tocsin.warning.situations import Audience

        return Audience(tuple(self.countries), self.min_severity)

    def wants(self, alert: dict) -> bool:
        if alert.get("baseline") and not self.include_baseline:
            return False
        if self.countries and alert["country"] not in self.countries:
            return False
        return severity.rank(alert["severity"]) >= severity.rank(self.min_severity)


class Subscribers(_Model):
    smtp: Smtp = Smtp()
    site_url: Annotated[str, StringConstraints(pattern=r"^https?://")] | None = None
    subscribers: list[Subscriber] = []


def subscribers_path(home: Path) -> Path:
    return Path(home) / "subscribers.yaml"


def load_subscribers(path: Path) -> Subscribers:
    if not Path(path).exists():
        return Subscribers()
    doc = read_yaml(path)
    try:
        subs = Subscribers.model_validate(doc.data or {})
    except ValidationError as exc:
        raise InputError(pydantic_problems(doc, exc)) from exc
    problems = []
    for i, s in enumerate(subs.subscribers):
        if not s.email and not s.webhook:
            problems.append(doc.problem(("subscribers", i), "give an 'email' or a 'webhook'"))
        if s.webhook and not (s.webhook.secret or s.webhook.secret_env):
            problems.append(doc.problem(("subscribers", i, "webhook"),
                                        "a webhook needs 'secret_env' (or 'secret') to sign with"))
    if problems:
        raise InputError(problems)
    return subs


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (shown in the docs; used by the tests' receiver)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _secret(hook: Webhook) -> str:
    if hook.secret_env:
        value = os.environ.get(hook.secret_env)
        if not value:
            raise InputError(Problem("subscribers.yaml", f"environment variable "
                                                         f"{hook.secret_env} is not set"))
        return value
    return hook.secret or ""


def payload(alert: dict) -> dict:
    from tocsin import __version__

    return {"type": "tocsin.alert", "tocsin_version": __version__, "alert": alert}


def send_webhook(hook: Webhook, alert: dict) -> str:
    return post_signed(hook, payload(alert))


def post_signed(hook: Webhook, data: dict, delivery: str | None = None) -> str:
    """POST ``data`` as JSON, signed (``X-Tocsin-Signature``); ``delivery`` is sent as
    ``X-Tocsin-Delivery``: the same id when a message is sent again after a crash."""
    body = json.dumps(data, sort_keys=True, default=str).encode()
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "tocsin",
               "X-Tocsin-Timestamp": stamp, "X-Tocsin-Signature": sign(_secret(hook), stamp, body)}
    if delivery:
        headers["X-Tocsin-Delivery"] = delivery
    req = urllib.request.Request(hook.url, data=body, method="POST", headers=headers)
    with urllib.request.urlopen(req, timeout=hook.timeout) as resp:  # noqa: S310 (http(s) only)
        return f"HTTP {resp.status}"


def email_text(alert: dict) -> tuple[str, str]:
    where = alert["country"] + (f" / {alert['unit']}" if alert.get("unit") else "")
    subject = (f"[Tocsin] {alert['severity'].upper()}: {alert['rule_name']} - {where}, "
               f"week of {alert['week']}")
    f = alert["figures"]
    lines = [f"{alert['rule_name']}", f"{where}, week of {alert['week']} (source: "
             f"{alert['source']})", "",
             f"Figures: {json.dumps(f, sort_keys=True)}",
             f"Events behind it: {alert['event_count']} "
             f"(ids: {', '.join(alert['event_ids'][:10])}"
             f"{' ...' if len(alert['event_ids']) > 10 else ''})", "",
             "Evidence for these indicators (UN Framework of Analysis):"]
    lines += [f"  {i['ref']}: {i.get('text') or ''}" for i in alert["indicators"]]
    if alert["triggers"]:
        lines += ["Triggers (SG report 2013):"]
        lines += [f"  {t['ref']}: {t.get('name') or ''}" for t in alert["triggers"]]
    if alert["options"]:
        lines += ["", "Preventive options (resilience measures) that answer these risk factors:"]
        for o in alert["options"]:
            lines.append(f"  - {o['name']}")
            for sp in o["state_practice"][:2]:
                lines.append(f"      e.g. {', '.join(sp['states'])}: {sp['text']}")
    if alert.get("id") is not None:
        lines += ["", f"Acknowledge: tocsin warn ack {alert['id']}"]
    return subject, "\n".join(lines) + "\n"


def send_email(smtp: Smtp, to: str, alert: dict) -> str:
    subject, text = email_text(alert)
    return send_message(smtp, to, subject, text)


def send_message(smtp: Smtp, to: str, subject: str, text: str, message_id: str | None = None,
                 attachments: list[tuple[str, str, bytes]] = (), headers: dict | None = None
                 ) -> str:
    """One plain-text e-mail (with ``attachments``: (file name, MIME type, bytes))."""
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content(text)
    for name, mime, data in attachments:
        main, _, sub = mime.partition("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as s:
        if smtp.starttls:
            s.starttls()
        if smtp.username:
            s.login(smtp.username, os.environ.get(smtp.password_env or "", ""))
        s.send_message(msg)
    return f"sent to {to}"


def deliver(subs: Subscribers, alerts: list[dict], already=None, record=None) -> list[dict]:
    """Send each alert to every subscriber that wants it; a failure is recorded and
    does not stop the others. ``already(alert_id, subscriber, channel)`` skips what
    was sent before; ``record(...)`` stores the outcome (the lifecycle's Delivery)."""
    results = []
    for alert in alerts:
        for sub in subs.subscribers:
            if not sub.wants(alert):
                continue
            channels = []
            if sub.webhook:
                channels.append(("webhook", lambda a=alert, s=sub: send_webhook(s.webhook, a)))
            if sub.email:
                channels.append(("email", lambda a=alert, s=sub: send_email(subs.smtp, s.email,
                                                                               a)))
            for channel, send in channels:
                if already and already(alert.get("id"), sub.id, channel):
                    continue
                try:
                    detail, ok = send(), True
                except (OSError, smtplib.SMTPException, InputError) as exc:
                    detail, ok = f"failed: {exc}", False
                if record:
                    record(alert.get("id"), sub.id, channel, ok, detail)
                results.append({"alert": alert.get("id"), "subscriber": sub.id,
                                "channel": channel, "ok": ok, "detail": detail})
    return results




SEND_ERRORS = (OSError, smtplib.SMTPException, InputError)

# --- situations -----------------------------------------------------------------------------

CHANGE_WORDS = {"opened": "opened", "severity-rose": "severity rose",
                "reminder": "still open and unacknowledged", "closed": "closed"}


def situation_message(situation: dict, changes: list[dict], alerts: list[dict],
                      site_url: str | None = None) -> dict:
    """The webhook payload of a message about a situation (also what its e-mail is
    written from): ``{"type": "tocsin.situation", "tocsin_version", "situation",
    "changes", "alerts", "url"}``; ``alerts`` are the alerts the changes are about (none
    inhibited), in their JSON form."""
    from tocsin import __version__

    url = (f"{site_url.rstrip('/')}/inbox/situations/{situation['id']}/"
           if site_url and situation.get("id") is not None else None)
    return {"type": "tocsin.situation", "tocsin_version": __version__,
            "situation": situation, "changes": changes, "alerts": alerts, "url": url}


def situation_email(message: dict) -> tuple[str, str]:
    s, changes, alerts = message["situation"], message["changes"], message["alerts"]
    where = s["country"] + (f" / {s['unit']}" if s.get("unit") else "")
    last = changes[-1] if changes else {"kind": "opened"}
    what = CHANGE_WORDS.get(last["kind"], last["kind"])
    if last["kind"] == "severity-rose":
        what = f"severity rose to {last['severity']}"
    subject = (f"[Tocsin] {s['severity'].upper()} situation {where}: {what} "
               f"(since the week of {s['opened_week']})")
    lines = [f"Situation #{s['id']}: {where}, since the week of {s['opened_week']}; "
             f"latest alert in the week of {s['last_week']}",
             f"Severity: {s['severity']}; status: {s['status']}"
             + (f"; owner: {s['owner']}" if s.get("owner") else ""), "", "What changed:"]
    for c in changes:
        line = f"  - week of {c['week']}: {CHANGE_WORDS.get(c['kind'], c['kind'])}"
        if c["kind"] == "severity-rose":
            line += f" from {c['from_severity'] or '-'} to {c['severity']}"
        if c.get("reason"):
            line += f" ({c['reason']})"
        lines.append(line)
    if alerts:
        lines += ["", f"Alerts ({len(alerts)}):"]
        for a in alerts[:15]:
            f = a["figures"]
            at = a["country"] + (f"/{a['unit']}" if a.get("unit") else "")
            lines.append(f"  #{a.get('id')} {a['week']} {at} {a['severity']}: {a['rule_name']}"
                         f" ({f.get('measure')} {f.get('value')}; {a['event_count']} events)")
        if len(alerts) > 15:
            lines.append(f"  ... {len(alerts) - 15} more")
        ids = list(dict.fromkeys(e for a in alerts for e in a.get("event_ids", [])))
        if ids:
            lines.append(f"Events behind them: {', '.join(ids[:10])}"
                         + (" ..." if len(ids) > 10 else ""))
        inds = {i["ref"]: i for a in alerts for i in a.get("indicators", [])}
        if inds:
            lines += ["", "Evidence for these indicators (UN Framework of Analysis):"]
            lines += [f"  {r}: {i.get('text') or ''}" for r, i in list(inds.items())[:8]]
        opts = {o["id"]: o for a in alerts for o in a.get("options", [])}
        if opts:
            lines += ["", "Preventive options (resilience measures) that answer these "
                          "risk factors:"]
            for o in list(opts.values())[:5]:
                lines.append(f"  - {o['name']}")
                for sp in o.get("state_practice", [])[:1]:
                    lines.append(f"      e.g. {', '.join(sp['states'])}: {sp['text']}")
    lines.append("")
    if message.get("url"):
        lines.append(f"See it: {message['url']}")
    lines.append(f"Acknowledge: tocsin warn situation ack {s['id']}")
    return subject, "\n".join(lines) + "\n"


def send_situation(subs: Subscribers, sub: Subscriber, channel: str, message: dict,
                   message_id: str) -> str:
    if channel == "webhook":
        return post_signed(sub.webhook, message, delivery=message_id.strip("<>"))
    subject, text = situation_email(message)
    return send_message(subs.smtp, sub.email, subject, text, message_id)
