"""What the monitor tells: ``tocsin monitor status``, the site's page for administrators
(in English and French, refused to anyone else), and the e-mail to administrators about
a feed that keeps failing (once, through the SMTP server of subscribers.yaml)."""

from __future__ import annotations

import json

import pytest

from tests.monitor import upstream as up
from tests.monitor.helpers import GDELT, UCDP, feed_report, once, write_feeds
from tests.warning.test_notify import smtp_server  # noqa: F401 (fixture)


def _site_admin(home, username="root", email="admin@example.org", superuser=True):
    from tocsin.web import setup

    setup(home)
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create(username=username, email=email,
                                           is_superuser=superuser, is_staff=superuser)


@pytest.mark.slow
def test_a_feed_that_keeps_failing_tells_the_administrators_once(run, home, upstream,
                                                                 monkeypatch,
                                                                 smtp_server):  # noqa: F811
    port, mails = smtp_server
    (home / "subscribers.yaml").write_text(
        f"smtp: {{host: 127.0.0.1, port: {port}, from: tocsin@example.org}}\n")
    _site_admin(home)
    _site_admin(home, "viewer", "viewer@example.org", superuser=False)
    monkeypatch.setenv("TEST_UCDP_TOKEN", "Wr0ng-token-for-the-alert")
    write_feeds(home, upstream.base, UCDP, GDELT,
                head="alerts: {after_failures: 2, email: [ops@example.org]}")
    code, report, _ = once(run, home)
    assert code == 1 and report["alerts_sent"] == [] and mails == []
    assert feed_report(report, "gdelt")["status"] == "ok"  # the other feed goes on

    code, report, _ = once(run, home, "--all")
    assert code == 1 and len(mails) == 1
    (sent,) = report["alerts_sent"]
    assert sent["feed"] == "ucdp" and sent["to"] == ["ops@example.org", "admin@example.org"]
    mail = mails[0]
    assert mail["Subject"] == "[Tocsin] feed 'ucdp' has failed 2 time(s) in a row"
    assert mail["To"] == "ops@example.org, admin@example.org"
    body = mail.get_payload()
    assert "refused the access token" in body and "Last success: never" in body
    assert "Wr0ng-token-for-the-alert" not in body

    code, report, _ = once(run, home, "--all")  # a third failure: already told
    assert report["alerts_sent"] == [] and len(mails) == 1
    code, out, _ = run("monitor", "status", "--home", home)
    assert code == 1 and "ucdp (ucdp, every 1d): failing, 3 failure(s) in a row" in out
    assert "administrators were told" in out

    monkeypatch.setenv("TEST_UCDP_TOKEN", up.UCDP_TOKEN)  # fixed: it works again
    code, report, _ = once(run, home, "--all")
    assert code == 0
    st = json.loads((home / "monitor" / "feeds" / "ucdp.json").read_text())
    assert st["consecutive_failures"] == 0 and st["alerted_at"] is None
    assert st["failures_total"] == 3 and st["last_error"]  # the history stays readable


def test_an_alert_that_cannot_be_sent_is_reported_and_tried_again(run, home, upstream,
                                                                  monkeypatch):
    (home / "subscribers.yaml").write_text("smtp: {host: 127.0.0.1, port: 9}\n")  # closed
    monkeypatch.setenv("TEST_UCDP_TOKEN", "wrong")
    write_feeds(home, upstream.base, UCDP,
                head="alerts: {after_failures: 1, email: [ops@example.org], "
                     "site_admins: false}")
    code, report, err = once(run, home)
    assert report["alerts_sent"] == [] and "could not be sent" in report["alert_errors"][0]
    assert "could not be sent" in err  # the log
    st = json.loads((home / "monitor" / "feeds" / "ucdp.json").read_text())
    assert st["alerted_at"] is None  # so the next pass tries again


def test_status_names_per_feed_its_success_error_cursor_counts_and_next_run(run, home,
                                                                          upstream):
    write_feeds(home, upstream.base, GDELT, UCDP.replace("TEST_UCDP_TOKEN", "NO_SUCH_VAR"))
    code, out, _ = run("monitor", "status", "--home", home, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [(f["id"], f["state"]) for f in data["feeds"]] == [("gdelt", "never run"),
                                                              ("ucdp", "never run")]
    once(run, home)
    code, out, _ = run("monitor", "status", "--home", home, "--format", "json")
    assert code == 1
    data = json.loads(out)
    g, u = data["feeds"]
    assert g["state"] == "ok" and g["files_ingested"] == 3 and g["events_ingested"] == 2111
    assert g["cursor"] == {"last": up.STAMPS[-1]} and g["next_run_at"] and g["last_success_at"]
    assert g["cursor_text"] == "last interval 2019-10-24 14:30 UTC" and g["last_error"] is None
    assert u["state"] == "failing" and "NO_SUCH_VAR is not set" in u["last_error"]
    assert data["failing"] == ["ucdp"] and data["runner"]["mode"] == "once"
    # a feed removed from the file keeps its record, shown as such
    write_feeds(home, upstream.base, UCDP)
    code, out, _ = run("monitor", "status", "--home", home)
    assert "gdelt (gdelt): not configured" in out


@pytest.fixture
def site(home):
    """The site of ``home``."""
    from tocsin.web import setup

    setup(home)
    from django.test import Client, override_settings

    with override_settings(ALLOWED_HOSTS=["testserver"]):
        yield Client()


def test_the_monitoring_page_is_for_administrators(run, home, upstream, site):
    write_feeds(home, upstream.base, GDELT, UCDP.replace("TEST_UCDP_TOKEN", "NO_SUCH_VAR"))
    once(run, home)
    admin = _site_admin(home)
    viewer = _site_admin(home, "viewer", "viewer@example.org", superuser=False)

    resp = site.get("/monitoring/")
    assert resp.status_code == 302 and "/accounts/login" in resp["Location"]
    site.force_login(viewer)
    assert site.get("/monitoring/").status_code == 403
    site.force_login(admin)
    resp = site.get("/monitoring/")
    assert resp.status_code == 200
    body = resp.content.decode()
    for text in ("Monitoring", 'data-feed="gdelt"', 'data-feed="ucdp"', "working", "failing",
                 "last interval 2019-10-24 14:30 UTC", "2111", "NO_SUCH_VAR is not set",
                 "Next run", "Files ingested", "Events ingested", "Last success", "Cursor"):
        assert text in body, text
    fr = site.get("/monitoring/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for text in ("Surveillance automatique", "Dernier succès", "Prochain passage",
                 "Fichiers intégrés", "en échec", "fonctionne", "1 échec d’affilée"):
        assert text in fr, text
    assert "Last success" not in fr


def test_the_monitoring_page_without_feeds_says_so(home, site):
    admin = _site_admin(home)
    site.force_login(admin)
    body = site.get("/monitoring/").content.decode()
    assert 'data-testid="no-feeds"' in body and "fetches nothing by itself" in body


def test_the_monitor_is_core_it_never_imports_the_site_or_the_command_line():
    from tests.test_layering import EDGES, FORBIDDEN_IN_CORE, MODULES, imports

    mine = {n: p for n, p in MODULES.items() if n.startswith("tocsin.monitor")}
    assert {"tocsin.monitor.run", "tocsin.monitor.fetch", "tocsin.monitor.status"} <= set(mine)
    wrong = [f"{n}:{line} imports {t}" for n, p in mine.items() for t, line in imports(p)
             if t.split(".")[0] in FORBIDDEN_IN_CORE or t.startswith(EDGES)]
    assert not wrong, wrong
