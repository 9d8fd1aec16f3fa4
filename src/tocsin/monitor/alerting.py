"""Telling administrators that a feed keeps failing: one e-mail when a feed has failed
``after_failures`` runs in a row (the feed's ``alert_after``, else the file's
``alerts.after_failures``), sent through the SMTP server of ``<home>/subscribers.yaml``
(the one new alerts go through), to ``alerts.email`` and, unless ``alerts.site_admins``
is false, to the site's administrators. Once per run of failures: the next e-mail comes
only after the feed has worked again and then failed as many times again. An e-mail that
cannot be sent is logged and tried again at the next pass."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from pathlib import Path

from tocsin.monitor.cursors import FeedState


def recipients(configured: list[str], site_admins: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for address in [*configured, *site_admins]:
        if address and address.strip():
            seen.setdefault(address.strip(), None)
    return list(seen)


def message_text(feed_id: str, kind: str, state: FeedState, cursor_text: str,
                 home: Path) -> tuple[str, str]:
    subject = (f"[Tocsin] feed '{feed_id}' has failed {state.consecutive_failures} "
               f"time(s) in a row")
    lines = [
        f"The {kind} feed '{feed_id}' of the Tocsin monitor on {home} has failed "
        f"{state.consecutive_failures} run(s) in a row.",
        "",
        f"Last error ({state.last_error_at}): {state.last_error}",
        f"Last success: {state.last_success_at or 'never'}",
        f"Cursor: {cursor_text}",
        "",
        "Nothing half-fetched was stored, and the other feeds go on. The feed tries again "
        "at its next run.",
        "See `tocsin monitor status` or the site's Monitoring page, and docs/monitoring.md.",
    ]
    return subject, "\n".join(lines) + "\n"


def send(home: Path, to: list[str], subject: str, text: str) -> None:
    """Send one e-mail through the SMTP server of ``<home>/subscribers.yaml``."""
    from tocsin.warning.notify import load_subscribers, subscribers_path

    smtp = load_subscribers(subscribers_path(Path(home))).smtp
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg.set_content(text)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as s:
        if smtp.starttls:
            s.starttls()
        if smtp.username:
            s.login(smtp.username, os.environ.get(smtp.password_env or "", ""))
        s.send_message(msg)
