"""The alerts inbox on real alerts: status changes by the lifecycle's rules, assignment
and comments, an alert's events, use as evidence in an assessment, and subscriptions
delivered once. Permissions are walked in test_authz_watch.py."""

from __future__ import annotations

import pytest
from django.urls import reverse


def test_acknowledge_then_dismiss_needs_reason(client, watch_world):
    from tocsin.web.alerts.models import AlertChange
    from tocsin.web.audit.models import AuditEvent

    a = watch_world.mmr_alert
    client.force_login(watch_world.users["focal_mmr"])
    client.post(reverse("alerts:status", args=[a.pk]), {"to": "acknowledged"})
    a.refresh_from_db()
    assert a.status == "acknowledged"
    change = AlertChange.objects.get(alert=a)
    assert change.actor_name == "focal_mmr" and change.to_status == "acknowledged"
    assert AuditEvent.objects.filter(object_type="alert", action="status",
                                     object_id=str(a.pk)).exists()
    client.post(reverse("alerts:status", args=[a.pk]), {"to": "dismissed", "reason": ""})
    a.refresh_from_db()
    assert a.status == "acknowledged"  # refused without a reason
    client.post(reverse("alerts:status", args=[a.pk]), {"to": "dismissed", "reason": "duplicate"})
    a.refresh_from_db()
    assert (a.status, a.reason) == ("dismissed", "duplicate")


def test_assign_and_comment(client, watch_world):
    a = watch_world.mmr_alert
    client.force_login(watch_world.users["focal_mmr"])
    client.post(reverse("alerts:assign", args=[a.pk]),
                {"user": watch_world.users["assessor_mmr"].pk})
    client.post(reverse("alerts:comment", args=[a.pk]), {"text": "Checking with the office."})
    # someone without a role in MMR cannot be assigned
    client.post(reverse("alerts:assign", args=[a.pk]), {"user": watch_world.users["outsider"].pk})
    a.refresh_from_db()
    assert a.assignment.assignee == watch_world.users["assessor_mmr"]
    assert a.notes.get().text == "Checking with the office."
    client.force_login(watch_world.users["assessor_mmr"])
    # the assignee finds it in the list of every alert (the inbox lists situations)
    body = client.get(reverse("alerts:alerts") + "?assigned=me").content.decode()
    assert f'data-alert="{a.pk}"' in body
    assert body.count("data-alert=") == 1


def test_alert_page_shows_its_events(watch_admin, watch_world):
    a = watch_world.mmr_alert
    body = watch_admin.get(reverse("alerts:detail", args=[a.pk])).content.decode()
    assert a.event_ids[0] in body


@pytest.mark.slow  # renders the assessment's report
def test_use_as_evidence_links_alert_into_assessment_and_report(client, watch_world):
    from tocsin.web.alerts.models import EvidenceLink

    a = watch_world.mmr_alert
    client.force_login(watch_world.users["assessor_mmr"])
    resp = client.post(reverse("alerts:evidence", args=[a.pk]),
                       {"assessment": watch_world.mmr.pk,
                        "indicator": f"un-foa-2014:{watch_world.indicator}"})
    assert resp.status_code == 302
    link = EvidenceLink.objects.get(alert=a)
    ev = link.evidence
    assert ev.rating.item == watch_world.indicator
    assert ev.rating.entry.user == watch_world.users["assessor_mmr"]
    assert ev.data["event_id"] == a.event_ids[0]
    assert f"Tocsin alert #{a.pk}" in ev.data["text"]
    assert ev.data["url"].endswith(reverse("alerts:detail", args=[a.pk]))
    # in the assessment's rating page and in its report
    section = watch_world.indicator.split(".")[0]
    page = client.get(reverse("assessments:rate_section", args=[watch_world.mmr.pk, section]))
    assert f"Tocsin alert #{a.pk}" in page.content.decode()
    report = client.get(reverse("assessments:report", args=[watch_world.mmr.pk, "html"]))
    text = b"".join(report.streaming_content) if report.streaming else report.content
    assert f"Tocsin alert #{a.pk}".encode() in text
    assert a.event_ids[0].encode() in text
    # the alert page says where it was used
    assert "Myanmar test assessment" in client.get(
        reverse("alerts:detail", args=[a.pk])).content.decode()


def test_subscription_delivered_by_warning_notifications(client, watch_world):
    """A site subscription gets one e-mail per situation through tocsin.warning.notify,
    once."""
    import socket

    from aiosmtpd.controller import Controller
    from django.conf import settings

    from tocsin.web.alerts.delivery import deliver_open

    client.force_login(watch_world.users["viewer"])
    client.post(reverse("alerts:subscription"), {"countries": "MMR", "min_severity": "critical",
                                                "email": "", "active": "on"})
    got = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            got.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    home = settings.HOME  # the watch world's, with its events
    ctl.start()
    try:
        (home / "subscribers.yaml").write_text(
            f"smtp:\n  host: 127.0.0.1\n  port: {port}\nsubscribers: []\n")
        first = deliver_open(home)
        again = deliver_open(home)
    finally:
        ctl.stop()
        (home / "subscribers.yaml").unlink()
    from tocsin.web.alerts.models import Alert, Notice, Situation

    critical_mmr = [a for a in watch_world.alerts
                    if a.country == "MMR" and a.severity == "critical"]
    # the catch-up grouped the alerts into situations: one e-mail per situation that
    # reached critical, not one per critical alert
    told = {s.pk for s in Situation.objects.filter(country="MMR", severity="critical")}
    assert told and {r["situation"] for r in first} == told and all(r["ok"] for r in first)
    assert len(first) == len(got) < len(critical_mmr)
    assert not Alert.objects.filter(situation__isnull=True, baseline=False).exists()
    assert again == []  # never twice
    assert all(rcpt == ["viewer@test.invalid"] for rcpt, _ in got)
    assert all("Acknowledge: tocsin warn situation ack" in text for _, text in got)
    viewer = f"user-{watch_world.users['viewer'].pk}"
    assert Notice.objects.filter(subscriber=viewer, status="sent").values(
        "situation").distinct().count() == len(told)
