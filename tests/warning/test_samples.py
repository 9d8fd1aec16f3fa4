"""On the real samples: the Sudan takeover of 25 Oct 2021 and the crackdown after it
(ACLED), and the surge of one-sided violence in Myanmar after February 2021 (UCDP
GED), each with its events, indicators and preventive options; the lifecycle."""

import json

import pytest


@pytest.fixture(scope="module")
def ran(sample_home):
    from tocsin.cli import main

    assert main(["warn", "run", "--home", str(sample_home), "--no-notify"]) == 0
    return sample_home


def alerts(run, home, *args):
    code, out, err = run("warn", "alerts", "--home", home, "--format", "json", *args)
    assert code == 0, err
    return json.loads(out)


def test_sudan_takeover_fires_with_its_event_indicators_and_options(ran, run):
    found = alerts(run, ran, "--country", "SDN", "--rule", "coup")
    assert len(found) == 1
    coup = found[0]
    assert coup["week"] == "2021-10-25" and coup["severity"] == "critical"
    assert coup["event_ids"] == ["acled:SUD15767"]  # "Coup/military takeover: ..."
    assert {i["ref"] for i in coup["indicators"]} >= {"un-foa-2014:8.4", "un-foa-2014:7.2"}
    assert coup["triggers"][0]["ref"] == "sg-2013:unconstitutional-change"
    assert coup["options"] and all(o["state_practice"] is not None for o in coup["options"])
    assert any(o["state_practice"] for o in coup["options"])


def test_sudan_crackdown_after_the_takeover(ran, run):
    found = alerts(run, ran, "--country", "SDN", "--rule", "repression-level")
    weeks = sorted(a["week"] for a in found)
    assert weeks[0] == "2021-10-25" and "2021-11-15" in weeks
    first = next(a for a in found if a["week"] == "2021-10-25")
    assert first["figures"]["value"] >= 5 and len(first["event_ids"]) == first["event_count"]
    assert "un-foa-2014:7.3" in {i["ref"] for i in first["indicators"]}


def test_myanmar_one_sided_violence_surge_after_february_2021(ran, run):
    found = alerts(run, ran, "--country", "MMR", "--rule", "civilian-killings-surge",
                   "--since", "2021-01-01")
    early = sorted(a["week"] for a in found if a["week"] < "2021-05-01")
    assert early and "2021-02-01" <= early[0] <= "2021-03-01"
    a = next(x for x in found if x["week"] == early[0])
    assert a["source"] == "ucdp-ged" and a["figures"]["p_value"] < 0.001
    assert a["figures"]["value"] > 5 * a["figures"]["expected"]
    assert all(e.startswith("ucdp-ged:") for e in a["event_ids"])
    assert "un-foa-2014:7.8" in {i["ref"] for i in a["indicators"]}
    baseline = alerts(run, ran, "--country", "MMR", "--rule", "hdx-armed-conflict",
                      "--since", "2021-01-01")
    assert any("2021-02-01" <= b["week"] < "2021-05-01" for b in baseline)


def test_rerunning_never_duplicates_and_keeps_decisions(ran, run):
    before = alerts(run, ran)
    coup = next(a for a in before if a["rule"] == "coup")
    assert run("warn", "ack", coup["id"], "--home", ran)[0] == 0
    code, out, _ = run("warn", "run", "--home", ran, "--no-notify", "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert result["alerts_new"] == 0 and result["alerts_updated"] == 0
    after = alerts(run, ran)
    assert len(after) == len(before)
    assert next(a for a in after if a["id"] == coup["id"])["status"] == "acknowledged"


def test_lifecycle_moves_and_refusals(ran, run):
    some = alerts(run, ran, "--country", "MMR", "--status", "new", "--limit", "2")
    a, b = some[0]["id"], some[1]["id"]
    code, _, err = run("warn", "dismiss", a, "--home", ran)
    assert code == 2  # a dismissal needs a reason
    code, out, _ = run("warn", "dismiss", a, "--reason", "duplicate of a UN report",
                       "--home", ran)
    assert code == 0 and "dismissed" in out
    assert run("warn", "escalate", b, "--home", ran)[0] == 0
    assert run("warn", "close", b, "--home", ran)[0] == 0
    code, _, err = run("warn", "ack", b, "--home", ran)
    assert code == 2 and "cannot go from closed to acknowledged" in err
    code, _, err = run("warn", "close", 999999, "--home", ran)
    assert code == 2 and "no such alert" in err
    dismissed = alerts(run, ran, "--status", "dismissed")
    assert [x["reason"] for x in dismissed if x["id"] == a] == ["duplicate of a UN report"]
    from tocsin.web.alerts.models import AlertChange
    from tocsin.web.audit.models import AuditEvent

    assert AlertChange.objects.filter(alert_id=b).count() == 2
    assert AuditEvent.objects.filter(object_type="alert", action="status").count() >= 3


def test_text_listing_and_show(ran, run):
    code, out, _ = run("warn", "alerts", "--home", ran, "--country", "SDN", "--rule", "coup")
    assert code == 0 and "2021-10-25 SDN" in out and "coup: events=1" in out
    coup_id = out.split()[0].lstrip("#")
    code, out, _ = run("warn", "show", coup_id, "--home", ran)
    assert code == 0 and "un-foa-2014:8.4" in out and "Preventive options" in out
    code, _, err = run("warn", "alerts", "--home", ran, "--status", "open")
    assert code == 2 and "--status" in err


def test_alerts_shown_against_the_watch_points_that_name_their_rules(ran, run, tmp_path):
    from pathlib import Path

    example = Path(__file__).parents[2] / "examples" / "assessment.yaml"
    text = example.read_text().replace("country: KEN", "country: SDN", 1)
    text = text.replace("alert_rules: [repression-level, civilian-killings-level-admin1]",
                        "alert_rules: [repression-level, coup]")
    f = tmp_path / "sdn.yaml"
    f.write_text(text)
    code, out, err = run("warn", "alerts", "--home", ran, "--assessment", f, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["country"] == "SDN"
    wp = next(w for w in data["watch_points"] if w["id"] == "protest-deaths")
    assert {a["rule"] for a in wp["alerts"]} == {"repression-level", "coup"}
    other = next(w for w in data["watch_points"] if w["id"] == "campaign-hate-speech")
    assert other["alerts"] == []
