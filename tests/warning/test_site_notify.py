"""``tocsin warn run`` e-mails the people subscribed in the site (inbox, "My alert
notifications"): end to end on the bundled real samples, against a real local SMTP
server (aiosmtpd). Notifications are per situation (the alerts of one place grouped
into an episode), not per alert: each situation once per person and run, whatever
runs it, and every e-mail says how to acknowledge the situation."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.warning.test_notify import smtp_server  # noqa: F401 (fixture)
from tocsin.warning import severity

ACK = re.compile(r"Acknowledge: tocsin warn situation ack (\d+)")


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


def _expected(home, user_email, countries, min_severity, open_only=False
              ) -> set[tuple[str, int]]:
    """(address, situation id) of the situations a subscriber is to be told about: a
    warning (opened, severity rose, reminder) at or above their severity."""
    from tocsin.web import setup

    setup(home)
    from tocsin.warning.situations import OPEN, WARNINGS
    from tocsin.web.alerts.models import SituationChange

    out = set()
    for c in SituationChange.objects.filter(kind__in=WARNINGS).select_related("situation"):
        s = c.situation
        if countries and s.country not in countries:
            continue
        if open_only and s.status not in OPEN:
            continue
        level = s.severity if open_only else c.to_severity
        if severity.rank(level) >= severity.rank(min_severity):
            out.add((user_email, s.pk))
    return out


def _sent(subscriber) -> int:
    from tocsin.web.alerts.models import Notice

    return Notice.objects.filter(subscriber=subscriber, status="sent").values(
        "situation").distinct().count()


def test_warn_run_emails_site_subscribers_once(home, run, smtp_server):  # noqa: F811
    from tocsin.web import setup

    setup(home)  # the site database of this home (Django set up for it)
    from tocsin.web.alerts.delivery import deliver_open

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
    assert _mails(got) == sorted(want)  # each wanted situation once, to nobody else
    assert f"notifications: {len(want)} sent to 2 subscriber(s)" in out
    assert _sent(f"user-{alice.pk}") + _sent(f"user-{bob.pk}") == len(want)
    # fewer messages than alerts: that is the point of situations
    assert len(got) < len(_alerts(home, ["MMR"], "high"))
    text = next(m for m in got if m["To"] == "alice@example.org").get_payload()
    assert "MMR" in text and "ucdp-ged:" in text and "un-foa-2014:" in text

    # Again: no new alert, nothing sent. The catch-up command skips what went out.
    code, out, _ = run("warn", "run", "--home", home)
    assert code == 0 and "notifications:" not in out
    setup(home)
    assert deliver_open(home) == []
    assert len(got) == len(want)

    # Someone who subscribes later is told of the open situations they follow by the
    # catch-up command, once.
    _subscribe(home, "erin", "erin@example.org", countries=["MMR"], min_severity="high")
    sent = deliver_open(home)
    erin = _expected(home, "erin@example.org", ["MMR"], "high", open_only=True)
    assert erin and {("erin@example.org", d["situation"]) for d in sent if d["ok"]} == erin
    assert deliver_open(home) == []
    assert _mails(got) == sorted(want | erin)


def _alerts(home, countries, min_severity):
    from tocsin.web.alerts import store

    return [a for a in store.query() if not a.baseline and a.country in countries
            and severity.rank(a.severity) >= severity.rank(min_severity)]


def test_no_notify_sends_nothing(home, run, smtp_server):  # noqa: F811
    from tocsin.web import setup

    setup(home)
    from tocsin.web.alerts.delivery import deliver_open
    from tocsin.web.alerts.models import Notice

    _, got = smtp_server
    _subscribe(home, "alice", "alice@example.org", countries=[], min_severity="low")
    code, out, err = run("warn", "run", "--home", home, "--no-notify")
    assert code == 0, err
    assert "notifications: off (--no-notify)" in out
    assert got == [] and not Notice.objects.exists()
    setup(home)
    assert deliver_open(home) == [] and got == []  # not sent later either


def test_a_failed_send_is_reported_and_retried_never_doubled(home, run,
                                                             smtp_server):  # noqa: F811
    from tocsin.web import setup

    setup(home)
    from tocsin.web.alerts.delivery import deliver_open
    from tocsin.web.alerts.models import Notice

    port, got = smtp_server
    alice = _subscribe(home, "alice", "alice@example.org", countries=["MMR"],
                       min_severity="critical")
    (home / "subscribers.yaml").write_text("smtp: {host: 127.0.0.1, port: 9}\n")  # closed
    code, out, err = run("warn", "run", "--home", home)
    assert code == 0
    mine = Notice.objects.filter(subscriber=f"user-{alice.pk}")
    failed = mine.filter(status="failed").values("situation").distinct().count()
    assert failed and f"notifications: 0 sent to 0 subscriber(s), {failed} failed" in out
    assert "failed:" in err
    (home / "subscribers.yaml").write_text(f"smtp: {{host: 127.0.0.1, port: {port}}}\n")
    setup(home)
    assert sum(d["ok"] for d in deliver_open(home)) == failed  # the catch-up retries them
    assert deliver_open(home) == [] and len(got) == failed
    # a notice claimed by one process is not claimed by another
    from tocsin.web.alerts import outbox

    n = mine.first()
    Notice.objects.filter(pk=n.pk).update(status="pending")
    assert outbox.claim([n.pk]) == [n.pk]
    assert outbox.claim([n.pk]) == []
