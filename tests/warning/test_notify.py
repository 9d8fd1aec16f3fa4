"""Notifications against a real local SMTP server and a real local HTTP receiver."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tocsin.warning import notify

ALERT = {"id": 7, "key": "coup|acled|SDN||2021-10-25", "rule": "coup",
         "rule_name": "Coup or unconstitutional change of government", "severity": "critical",
         "baseline": False, "source": "acled", "country": "SDN", "unit": "",
         "week": "2021-10-25", "figures": {"measure": "events", "value": 1, "threshold": 1},
         "event_count": 1, "event_ids": ["acled:SUD15767"],
         "indicators": [{"ref": "un-foa-2014:8.4", "text": "Regime change is abrupt."}],
         "triggers": [{"ref": "sg-2013:unconstitutional-change", "name": "Unconstitutional"}],
         "options": [{"id": "dialogue", "name": "Dialogue", "heading": "x", "answers": [],
                      "state_practice": [{"states": ["KEN"], "text": "Peace committees."}]}]}


@pytest.fixture
def receiver():
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((dict(self.headers), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", got
    server.shutdown()


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    got = []

    class Keep(Message):
        def handle_message(self, message):
            got.append(message)

    import socket

    with socket.socket() as s:  # a free port on the loopback (aiosmtpd cannot take 0)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctl = Controller(Keep(), hostname="127.0.0.1", port=port)
    ctl.start()
    yield port, got
    ctl.stop()


def test_webhook_is_signed_and_email_is_sent_per_subscriber(receiver, smtp_server, tmp_path,
                                                            monkeypatch):
    url, hooks = receiver
    port, mails = smtp_server
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    f = tmp_path / "subscribers.yaml"
    f.write_text(f"""\
smtp: {{host: 127.0.0.1, port: {port}, from: tocsin@example.org}}
subscribers:
  - id: sudan-desk
    countries: [SDN]
    min_severity: high
    email: desk@example.org
    webhook: {{url: "{url}", secret_env: HOOK_SECRET}}
  - id: kenya-only
    countries: [KEN]
    min_severity: low
    email: ken@example.org
  - id: critical-only-elsewhere
    min_severity: critical
    email: all@example.org
""")
    subs = notify.load_subscribers(f)
    low = dict(ALERT, id=8, severity="medium", key="x")
    sent = notify.deliver(subs, [ALERT, low])
    assert {(d["subscriber"], d["channel"], d["alert"]) for d in sent} == {
        ("sudan-desk", "webhook", 7), ("sudan-desk", "email", 7),
        ("critical-only-elsewhere", "email", 7)}
    assert all(d["ok"] for d in sent)
    headers, body = hooks[0]
    assert notify.verify("s3cret", headers["X-Tocsin-Timestamp"], body,
                         headers["X-Tocsin-Signature"])
    assert not notify.verify("wrong", headers["X-Tocsin-Timestamp"], body,
                             headers["X-Tocsin-Signature"])
    assert json.loads(body)["alert"]["event_ids"] == ["acled:SUD15767"]
    assert sorted(m["To"] for m in mails) == ["all@example.org", "desk@example.org"]
    text = mails[0].get_payload()
    assert "un-foa-2014:8.4" in text and "Dialogue" in text and "acled:SUD15767" in text


def test_already_sent_is_not_sent_again_and_failures_are_recorded(tmp_path):
    f = tmp_path / "subscribers.yaml"
    f.write_text("smtp: {host: 127.0.0.1, port: 9}\nsubscribers:\n"
                 "  - {id: a, email: a@example.org, min_severity: low}\n")
    subs = notify.load_subscribers(f)
    assert notify.deliver(subs, [ALERT], already=lambda *k: True) == []
    failed = notify.deliver(subs, [ALERT])  # port 9: nothing listens
    assert failed[0]["ok"] is False and failed[0]["detail"].startswith("failed")


def test_bad_subscriber_file_names_the_line(tmp_path):
    from tocsin.errors import InputError

    f = tmp_path / "subscribers.yaml"
    f.write_text("subscribers:\n  - id: a\n    min_severity: urgent\n  - id: b\n")
    with pytest.raises(InputError) as exc:
        notify.load_subscribers(f)
    assert f"{f}:3:" in str(exc.value)


def test_run_notifies_new_alerts_once(sample_home, run, receiver, tmp_path, monkeypatch):
    url, hooks = receiver
    monkeypatch.setenv("HOOK_SECRET", "s3cret")
    (sample_home / "subscribers.yaml").write_text(f"""\
subscribers:
  - id: sudan-desk
    countries: [SDN]
    min_severity: critical
    webhook: {{url: "{url}", secret_env: HOOK_SECRET}}
""")
    code, out, err = run("warn", "run", "--home", sample_home, "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    sent = result["notifications"]
    assert sent and all(d["ok"] and d["subscriber"] == "sudan-desk" for d in sent)
    # One message per situation (not per alert), carrying the situation, what changed
    # and the alerts it is about (docs/early-warning.md, "Webhook payload").
    bodies = [json.loads(body) for _, body in hooks]
    assert all(b["type"] == "tocsin.situation" for b in bodies)
    assert all(b["situation"]["country"] == "SDN" for b in bodies)
    assert all(b["changes"] and b["changes"][0]["kind"] == "opened" for b in bodies)
    alerts = [a for b in bodies for a in b["alerts"]]
    assert "coup" in {a["rule"] for a in alerts}
    assert all(a["country"] == "SDN" and a["severity"] == "critical" for a in alerts)
    assert len({b["situation"]["id"] for b in bodies}) == len(bodies)  # one each
    n = len(hooks)
    code, out, _ = run("warn", "run", "--home", sample_home, "--format", "json")
    assert code == 0 and json.loads(out)["notifications"] == [] and len(hooks) == n
    from tocsin.web.alerts.models import Notice

    assert Notice.objects.filter(subscriber="sudan-desk", status="sent").count() >= n
