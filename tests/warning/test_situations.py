"""Situations (tocsin.warning.situations): grouping, inhibition, quiet period, the
repeat interval, silences with expiry, and the rule-file settings that drive them
(validated with file and line). Plain Python, no site: what a live run decides is
what the backtest replays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tocsin.errors import InputError
from tocsin.warning import situations as core

W0 = dt.date(2021, 2, 1)  # a Monday


def week(n: int) -> dt.date:
    return W0 + dt.timedelta(weeks=n)


def alert(key, n, severity="high", country="MMR", unit="", rule="surge"):
    return core.AlertIn(key, rule, severity, country, unit, week(n))


def kinds(g):
    return [(d.kind, (d.week - W0).days // 7) for d in g.decisions]


def test_one_week_of_a_surge_is_one_notification_and_lesser_alerts_are_inhibited():
    # the issue's flood: a country alert, a surge, the HDX-like level alert and
    # one alert per province, all the same week
    batch = [alert("lvl", 0, "medium"), alert("surge", 0, "high"),
             alert("mk-1", 0, "critical", unit="Sagaing"),
             alert("mk-2", 0, "critical", unit="Magway"),
             alert("lvl-p", 0, "medium", unit="Sagaing")]
    g = core.replay(batch, {"MMR": week(1)}, core.SituationSettings())
    assert len(g.situations) == 1  # grouped by country by default
    assert kinds(g) == [("opened", 0)]
    assert g.decisions[0].severity == "critical"
    assert set(g.decisions[0].alerts) == {"mk-1", "mk-2"}  # only the most severe
    assert {k for k, (_, inh) in g.members.items() if inh} == {"lvl", "surge", "lvl-p"}
    # without inhibition every alert is in the notification (still one notification)
    g = core.replay(batch, {"MMR": week(1)}, core.SituationSettings(inhibit=False))
    assert kinds(g) == [("opened", 0)] and len(g.decisions[0].alerts) == 5


def test_severity_rise_reminder_and_close_after_quiet_weeks():
    s = core.SituationSettings(quiet_weeks=8, repeat_weeks=4)
    alerts = [alert("a", 0, "medium"), alert("b", 1, "medium"), alert("c", 2, "high"),
              alert("d", 3, "high"),  # same severity, too early for a reminder
              alert("e", 6, "high"),  # 4 weeks after the last notice: a reminder
              alert("f", 20, "high")]  # after 8 quiet weeks: a new situation
    g = core.replay(alerts, {"MMR": week(40)}, s)
    assert kinds(g) == [("opened", 0), ("severity-rose", 2), ("reminder", 6),
                        ("closed", 14), ("opened", 20), ("closed", 28)]
    assert len(g.situations) == 2
    first = g.situations[core.situation_key("MMR", "", week(0))]
    assert first.status == "closed" and "quiet for 8 weeks" in first.reason
    # a situation closes only once the data cover its quiet weeks
    g = core.replay(alerts[:2], {"MMR": week(5)}, s)
    assert [d.kind for d in g.decisions] == ["opened"]


def test_acknowledged_situation_gets_no_reminder_and_rerun_decides_nothing_new():
    s = core.SituationSettings(repeat_weeks=2)
    g = core.replay([alert("a", 0)], {"MMR": week(1)}, s)
    sit = next(iter(g.situations.values()))
    sit.status = "acknowledged"
    g2 = core.advance([sit], [alert("b", 3), alert("c", 6)], {"MMR": week(7)}, s)
    assert g2.decisions == []  # acknowledged: no reminder; same severity: no rise
    g3 = core.advance([sit], [alert("d", 7, "critical")], {"MMR": week(8)}, s)
    assert [d.kind for d in g3.decisions] == ["severity-rose"]  # a rise still tells


def test_provinces_and_admin1_grouping():
    alerts = [alert("n", 0, unit="Rakhine"), alert("s", 0, unit="Sagaing"), alert("c", 0)]
    by_province = core.SituationSettings(provinces={"MMR": ["rakhine"]})
    g = core.replay(alerts, {}, by_province)
    assert sorted(s.unit for s in g.situations.values()) == ["", "Rakhine"]
    g = core.replay(alerts, {}, core.SituationSettings(group_by="admin1"))
    assert sorted(s.unit for s in g.situations.values()) == ["", "Rakhine", "Sagaing"]


def test_subscriber_gets_closing_only_of_what_they_were_told():
    g = core.replay([alert("a", 0, "medium"), alert("b", 20, "critical")],
                    {"MMR": week(40)}, core.SituationSettings())
    got = core.notices_for(g, core.Audience(("MMR",), "high"))
    assert [(d.kind, (d.week - W0).days // 7) for d in got] == [("opened", 20), ("closed", 28)]
    assert core.notices_for(g, core.Audience(("SDN",), "low")) == []


def test_silence_holds_matching_alerts_until_it_expires():
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    sil = core.SilenceIn(1, core.check_matchers({"country": "mmr"}), now,
                         now + dt.timedelta(days=7))
    labels = [{"country": "MMR", "unit": "", "rule": "surge", "severity": "high"}]
    assert core.silenced_by([sil], labels, now + dt.timedelta(days=1)) == sil
    assert core.silenced_by([sil], labels, now + dt.timedelta(days=7)) is None  # expired
    other = [{"country": "SDN", "rule": "coup", "severity": "critical"}]
    assert core.silenced_by([sil], labels + other, now) is None  # not all matched
    with pytest.raises(InputError, match="at least one matcher"):
        core.check_matchers({})
    with pytest.raises(InputError, match="unknown matcher"):
        core.check_matchers({"colour": "red"})


def test_situation_settings_are_validated_with_file_and_line(tmp_path, run):
    f = tmp_path / "mine.yaml"
    f.write_text("id: mine\nsituations:\n  quiet_weeks: 0\n  group_by: region\n"
                 "  quiet: 3\n")
    code, out, err = run("warn", "validate", f)
    text = out + err
    assert code != 0
    assert f"{f}:3" in text and "quiet_weeks" in text
    assert f"{f}:4" in text and "group_by" in text
    assert "unknown setting 'quiet'" in text
    # a home's file sets only what it changes; the others keep their defaults
    from tocsin.warning.rules import load_rules_and_settings

    home = tmp_path / "home"
    (home / "alert-rules").mkdir(parents=True)
    (home / "alert-rules" / "quiet.yaml").write_text("id: q\nsituations: {quiet_weeks: 4}\n")
    rules, settings = load_rules_and_settings(home)
    assert rules and settings.situations.quiet_weeks == 4
    assert settings.situations.repeat_weeks == core.SituationSettings().repeat_weeks


def test_warn_run_with_a_bad_settings_block_stores_nothing(tmp_path, run):
    home = tmp_path / "home"
    (home / "alert-rules").mkdir(parents=True)
    (home / "alert-rules" / "bad.yaml").write_text("id: bad\nforecast:\n  top: -1\n")
    code, out, err = run("warn", "run", "--home", home)
    assert code == 2
    assert "bad.yaml:3" in out + err
    assert sorted(p.name for p in home.iterdir()) == ["alert-rules"]  # nothing stored


def test_rules_may_name_indicators_of_the_homes_own_framework(tmp_path, run):
    """A state's local framework (``<home>/frameworks/``) is what its rules cite: the
    references are resolved with the home, not only the shipped frameworks."""
    import shutil

    from tocsin.warning.rules import load_rules

    example = Path(__file__).resolve().parents[2] / "examples" / "framework-extension.yaml"
    home = tmp_path / "home"
    (home / "frameworks").mkdir(parents=True)
    shutil.copy(example, home / "frameworks" / example.name)
    from tocsin.framework import load_framework

    fw_id = load_framework(home / "frameworks" / example.name, home).id
    (home / "alert-rules").mkdir()
    f = home / "alert-rules" / "state.yaml"
    f.write_text(f"id: state\nrules:\n  - id: state-coup\n    name: Coup (state framework)\n"
                 f"    severity: critical\n    select: {{trigger: \"sg-2013:unconstitutional-"
                 f"change\"}}\n    measure: events\n    condition: {{threshold: 1}}\n"
                 f"    indicators: [\"{fw_id}:1.1\"]\n")
    assert "state-coup" in {r.id for r in load_rules(home)}
    code, out, err = run("warn", "validate", f, "--home", home)
    assert code == 0, out + err
