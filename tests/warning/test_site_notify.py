"""``tocsin warn run`` e-mails the people subscribed in the site (inbox, "My alert
notifications"): end to end on the bundled real samples, against a real local SMTP
server (aiosmtpd), each alert once per person whatever runs it."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.warning.test_notify import smtp_server  # noqa: F401 (fixture)
from tocsin.warning import severity

ACK = re.compile(r"Acknowledge: tocsin warn ack (\d+)")


@pytest.fixture(scope="module")
def events_template(tmp_path_factory):
    """A home with the bundled UCDP GED Myanmar 2021 and GDELT 2.0 samples ingested."""
    from tocsin.events import samples
    from tocsin.events.ingest import ingest

    wanted = ("ucdp_ged_myanmar_2021.csv.gz", "gdelt2_20191024143000.export.CSV.gz")
    paths = [p for p in samples.paths() if p.name in wanted]
    assert len(paths) == 2
    home = tmp_path_factory.mktemp("site-notify") / "home"
    ingest(home, paths, echo=lambda s: None)
    return home


@pytest.fixture
def home(events_template, tmp_path, smtp_server):  # noqa: F811
    port, _ = smtp_server
    h = tmp_path / "home"
    shutil.copytree(events_template, h)
    (h / "subscribers.yaml").write_text(
        f"smtp: {{host: 127.0.0.1, port: {port}, from: tocsin@example.org}}\n")
    return h


def _subscribe(home, username, account_email="", **sub):
    """An account of the site of ``home`` with a subscription (the inbox's model)."""
    from django.contrib.auth import get_user_model

    from tocsin.web import setup

    setup(home)
    from tocsin.web.alerts.models import Subscription

    user = get_user_model().objects.create(username=username, email=account_email)
    Subscription.objects.create(user=user, **sub)
    return user


def _mails(got) -> list[tuple[str, int]]:
    return sorted((m["To"], int(ACK.search(m.get_payload()).group(1))) for m in got)


def _expected(home, user_email, countries, min_severity) -> set[tuple[str, int]]:
    from tocsin.web import setup

    setup(home)
    from tocsin.web.alerts import store

    return {(user_email, a.pk) for a in store.query()
            if not a.baseline and (not countries or a.country in countries)
            and severity.rank(a.severity) >= severity.rank(min_severity)}


def test_warn_run_emails_site_subscribers_once(home, run, smtp_server):  # noqa: F811
    from tocsin.web import setup

    setup(home)  # the site database of this home (Django set up for it)
    from tocsin.web.alerts.delivery import deliver_open
    from tocsin.web.alerts.models import Delivery

    _, got = smtp_server
    alice = _subscribe(home, "alice", "alice@example.org", countries=["MMR"],
                       min_severity="high")
    bob = _subscribe(home, "bob", "bob@example.org", countries=[], min_severity="critical",
                     email="bob-alerts@example.org")  # the subscription's own address
    _subscribe(home, "carol", "carol@example.org", countries=[], min_severity="low",
               active=False)
    _subscribe(home, "dave", "", countries=[], min_severity="low")  # no address anywhere

    code, out, err = run("warn", "run", "--home", home)
    assert code == 0, err
    want = (_expected(home, "alice@example.org", ["MMR"], "high")
            | _expected(home, "bob-alerts@example.org", [], "critical"))
    assert {w for w in want if w[0].startswith("alice")}  # the samples fire for Myanmar
    assert {w for w in want if w[0].startswith("bob")}
    assert _mails(got) == sorted(want)  # each wanted alert once, to nobody else
    assert f"notifications: {len(want)} sent to 2 subscriber(s)" in out
    assert Delivery.objects.filter(subscriber=f"user-{alice.pk}", ok=True).count() + \
        Delivery.objects.filter(subscriber=f"user-{bob.pk}", ok=True).count() == len(want)
    text = next(m for m in got if m["To"] == "alice@example.org").get_payload()
    assert "MMR" in text and "ucdp-ged:" in text and "un-foa-2014:" in text

    # Again: no new alert, nothing sent. The catch-up command skips what went out.
    code, out, _ = run("warn", "run", "--home", home)
    assert code == 0 and "notifications:" not in out
    setup(home)
    assert deliver_open(home) == []
    assert len(got) == len(want)

    # Someone who subscribes later gets the open alerts from the catch-up command, once.
    _subscribe(home, "erin", "erin@example.org", countries=["MMR"], min_severity="critical")
    sent = deliver_open(home)
    erin = _expected(home, "erin@example.org", ["MMR"], "critical")
    assert erin and {("erin@example.org", d["alert"]) for d in sent if d["ok"]} == erin
    assert deliver_open(home) == []
    assert _mails(got) == sorted(want | erin)


def test_no_notify_sends_nothing(home, run, smtp_server):  # noqa: F811
    from tocsin.web import setup

    setup(home)
    from tocsin.web.alerts.models import Delivery

    _, got = smtp_server
    _subscribe(home, "alice", "alice@example.org", countries=[], min_severity="low")
    code, out, err = run("warn", "run", "--home", home, "--no-notify")
    assert code == 0, err
    assert "notifications: off (--no-notify)" in out
    assert got == [] and not Delivery.objects.exists()


def test_a_failed_send_is_reported_and_retried_never_doubled(home, run,
                                                             smtp_server):  # noqa: F811
    from tocsin.web import setup

    setup(home)
    from tocsin.web.alerts.delivery import deliver_open
    from tocsin.web.alerts.models import Delivery

    port, got = smtp_server
    alice = _subscribe(home, "alice", "alice@example.org", countries=["MMR"],
                       min_severity="critical")
    (home / "subscribers.yaml").write_text("smtp: {host: 127.0.0.1, port: 9}\n")  # closed
    code, out, err = run("warn", "run", "--home", home)
    assert code == 0
    failed = Delivery.objects.filter(subscriber=f"user-{alice.pk}", ok=False).count()
    assert failed and f"notifications: 0 sent to 0 subscriber(s), {failed} failed" in out
    assert "failed:" in err
    (home / "subscribers.yaml").write_text(f"smtp: {{host: 127.0.0.1, port: {port}}}\n")
    setup(home)
    assert sum(d["ok"] for d in deliver_open(home)) == failed  # the catch-up retries them
    assert deliver_open(home) == [] and len(got) == failed
    # a delivery claimed by one process is not claimed by another
    from tocsin.web.alerts import store

    alert = Delivery.objects.filter(subscriber=f"user-{alice.pk}").first().alert_id
    assert store.claim(alert, "someone", "email") is True
    assert store.claim(alert, "someone", "email") is False
