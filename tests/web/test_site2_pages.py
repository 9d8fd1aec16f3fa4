"""Site part 2 on real data: watch list, country page, inbox actions, use as evidence,
tracker, subscriptions. Permissions are walked in test_site2_authz.py."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.web.site2_support import site2  # noqa: F401  (fixture)


@pytest.fixture
def admin_client(client, site2):  # noqa: F811
    client.force_login(site2.users["admin"])
    return client


def test_watch_list_ranks_by_forecast_with_map(admin_client, site2):  # noqa: F811
    resp = admin_client.get(reverse("countries:watch_list"))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "<svg" in body and "Natural Earth" in body
    # 2024 forecast of the bundled model: the ranking is the model's rank column.
    from tocsin.web.countries.models import Forecast

    top = Forecast.objects.filter(year=2024).order_by("rank").first()
    rows = body.split('<tr data-country="')[1:]
    assert rows[0].startswith(top.country)
    # Sorting and filtering
    resp = admin_client.get(reverse("countries:watch_list") + "?sort=alerts&only=alerts")
    rows = resp.content.decode().split('<tr data-country="')[1:]
    assert rows and rows[0].startswith("MMR")  # the UCDP sample's alerts are all Myanmar's
    resp = admin_client.get(reverse("countries:watch_list") + "?q=myanmar")
    assert resp.content.decode().count('<tr data-country="') == 1


def test_map_links_countries_and_uses_no_inline_style(admin_client, site2):  # noqa: F811
    body = admin_client.get(reverse("countries:watch_list")).content.decode()
    svg = body[body.index("<svg"):body.index("</svg>")]
    assert 'href="/countries/MMR/"' in svg
    assert "style=" not in svg  # the CSP allows no inline style


def test_country_page_shows_the_three_strands(admin_client, site2):  # noqa: F811
    resp = admin_client.get(reverse("countries:country", args=["MMR"]))
    body = resp.content.decode()
    assert resp.status_code == 200
    for section in ("forecast", "signals", "subnational", "alerts", "assessments",
                    "recommendations", "country-map", "weekly-events", "drivers-chart"):
        assert f'id="{section}"' in body, section
    assert "Mandalay" in body  # sub-national units from UCDP's admin1
    assert "Myanmar test assessment" in body
    assert "snapshot as of" in body  # treaty rows carry their date
    # a probability is shown with what the backtest says it is worth
    assert 'id="forecast-reading"' in body and "not a prediction" in body
    from tocsin.web.countries.models import Forecast

    if Forecast.objects.filter(country="MMR").values("year").distinct().count() > 1:
        assert 'id="history-chart"' in body


def test_country_page_unknown_code_is_404(admin_client, site2):  # noqa: F811
    assert admin_client.get("/countries/QQQ/").status_code == 404


def test_acknowledge_then_dismiss_needs_reason(client, site2):  # noqa: F811
    from tocsin.web.alerts.models import AlertChange
    from tocsin.web.audit.models import AuditEvent

    a = site2.mmr_alert
    client.force_login(site2.users["focal_mmr"])
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


def test_assign_and_comment(client, site2):  # noqa: F811
    a = site2.mmr_alert
    client.force_login(site2.users["focal_mmr"])
    client.post(reverse("alerts:assign", args=[a.pk]), {"user": site2.users["assessor_mmr"].pk})
    client.post(reverse("alerts:comment", args=[a.pk]), {"text": "Checking with the office."})
    # someone without a role in MMR cannot be assigned
    client.post(reverse("alerts:assign", args=[a.pk]), {"user": site2.users["outsider"].pk})
    a.refresh_from_db()
    assert a.assignment.assignee == site2.users["assessor_mmr"]
    assert a.notes.get().text == "Checking with the office."
    client.force_login(site2.users["assessor_mmr"])
    body = client.get(reverse("alerts:list") + "?assigned=me").content.decode()
    assert f'data-alert="{a.pk}"' in body


def test_alert_page_shows_its_events(admin_client, site2):  # noqa: F811
    a = site2.mmr_alert
    body = admin_client.get(reverse("alerts:detail", args=[a.pk])).content.decode()
    assert a.event_ids[0] in body


def test_use_as_evidence_links_alert_into_assessment_and_report(client, site2):  # noqa: F811
    from tocsin.web.alerts.models import EvidenceLink

    a = site2.mmr_alert
    client.force_login(site2.users["assessor_mmr"])
    resp = client.post(reverse("alerts:evidence", args=[a.pk]),
                       {"assessment": site2.mmr.pk, "indicator": f"un-foa-2014:{site2.indicator}"})
    assert resp.status_code == 302
    link = EvidenceLink.objects.get(alert=a)
    ev = link.evidence
    assert ev.rating.item == site2.indicator and ev.rating.entry.user == site2.users["assessor_mmr"]
    assert ev.data["event_id"] == a.event_ids[0]
    assert f"Tocsin alert #{a.pk}" in ev.data["text"]
    assert ev.data["url"].endswith(reverse("alerts:detail", args=[a.pk]))
    # in the assessment's rating page and in its report
    section = site2.indicator.split(".")[0]
    page = client.get(reverse("assessments:rate_section", args=[site2.mmr.pk, section]))
    assert f"Tocsin alert #{a.pk}" in page.content.decode()
    report = client.get(reverse("assessments:report", args=[site2.mmr.pk, "html"]))
    text = b"".join(report.streaming_content) if report.streaming else report.content
    assert f"Tocsin alert #{a.pk}".encode() in text
    assert a.event_ids[0].encode() in text
    # the alert page says where it was used
    assert "Myanmar test assessment" in client.get(
        reverse("alerts:detail", args=[a.pk])).content.decode()


def test_tracker_seeded_from_treaty_snapshot_with_date(admin_client, site2):  # noqa: F811
    from tocsin.web.tracker.models import progress_for

    rows = {r["item"]: r for r in progress_for("KEN")}
    # Kenya acceded to the Rome Statute in 2005 (UNTC); the snapshot has it.
    rs = rows["rome_statute"]
    assert rs["status"] == "done" and rs["source"] == "snapshot"
    assert str(rs["as_of"]) == "2013-02-15"
    assert rows["focal_point"]["status"] == "unknown"
    body = admin_client.get(reverse("tracker:overview")).content.decode()
    assert "Not current status" in body and "2013" in body


def test_tracker_entry_replaces_snapshot(client, site2):  # noqa: F811
    client.force_login(site2.users["focal"])
    resp = client.post(reverse("tracker:update", args=["KEN", "arms_trade_treaty"]), {
        "arms_trade_treaty-status": "done", "arms_trade_treaty-date": "2020-01-01",
        "arms_trade_treaty-evidence": "Checked on the UNTC page", "arms_trade_treaty-url": ""})
    assert resp.status_code == 302
    from tocsin.web.tracker.models import progress_for

    row = {r["item"]: r for r in progress_for("KEN")}["arms_trade_treaty"]
    assert (row["status"], row["source"], str(row["date"])) == ("done", "recorded", "2020-01-01")


def test_treaty_names_all_map_to_iso3():
    from tocsin.web.tracker import treaties

    snap = treaties.snapshot()
    counts = {t: sum(1 for (tt, _c) in snap if tt == t) for t in treaties.TREATIES}
    # README: 147, 153 and 118 participants
    assert counts == {"genocide_convention": 147, "rome_statute": 153, "arms_trade_treaty": 118}
    bound = {t: sum(1 for (tt, _c), s in snap.items() if tt == t and s.bound)
             for t in treaties.TREATIES}
    assert bound == {"genocide_convention": 146, "rome_statute": 122, "arms_trade_treaty": 41}


def test_subscription_delivered_by_warning_notifications(client, site2):  # noqa: F811
    """A site subscription gets the e-mail through tocsin.warning.notify, once."""
    import asyncio
    import socket

    from aiosmtpd.controller import Controller

    from tocsin.web.alerts.delivery import deliver_open
    from tocsin.web.alerts.models import Delivery

    client.force_login(site2.users["viewer"])
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
    ctl.start()
    try:
        (site2_home := __import__("django.conf").conf.settings.HOME)
        (site2_home / "subscribers.yaml").write_text(
            f"smtp:\n  host: 127.0.0.1\n  port: {port}\nsubscribers: []\n")
        first = deliver_open(site2_home)
        again = deliver_open(site2_home)
    finally:
        ctl.stop()
        (site2_home / "subscribers.yaml").unlink()
    critical_mmr = [a for a in site2.alerts if a.country == "MMR" and a.severity == "critical"]
    assert len(first) == len(critical_mmr) and all(r["ok"] for r in first)
    assert again == []  # never twice
    assert all(rcpt == ["viewer@test.invalid"] for rcpt, _ in got)
    assert Delivery.objects.filter(subscriber=f"user-{site2.users['viewer'].pk}").count() \
        == len(critical_mmr)
    del asyncio


def test_french_interface(client, site2):  # noqa: F811
    client.force_login(site2.users["viewer"])
    body = client.get(reverse("countries:watch_list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Liste de surveillance" in body and "Prévision" in body
    body = client.get(reverse("tracker:country", args=["KEN"]),
                      HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "les sept recommandations" in body and "ancien, pas à jour" in body
    body = client.get(reverse("alerts:list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Boîte de réception des alertes" in body
    body = client.get(reverse("countries:country", args=["MMR"]),
                      HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "un classement du risque structurel, pas une prédiction" in body
    # and English stays the default
    assert "Watch list" in client.get(reverse("countries:watch_list")).content.decode()
