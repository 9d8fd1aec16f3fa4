"""Alert rules as data: the shipped set, and a user's file with every mistake named."""

from tocsin.warning.rules import classes_for, indicators_for, load_rules, read_rule_file

BAD = """\
id: my-rules
rules:
  - id: ok-rule
    name: Fine
    severity: high
    select: {classes: [protest]}
    condition: {threshold: 3}
  - id: ok-rule
    name: Same id again
    severity: high
    select: {classes: [no-such-class]}
    condition: {threshold: 3}
  - id: both
    name: Two conditions
    severity: high
    select: {classes: [protest]}
    condition: {threshold: 3, surprise: {p: 0.01}}
  - id: bad-refs
    name: Wrong references
    severity: high
    select: {trigger: "sg-2013:no-such-trigger"}
    condition: {threshold: 1}
    indicators: ["un-foa-2014:99.9"]
  - id: bad-severity
    name: Unknown severity
    severity: urgent
    select: {all: true}
    condition: {threshold: 1}
"""


def test_shipped_rules_load_and_resolve_through_the_taxonomy(tmp_path):
    rules = {r.id: r for r in load_rules(tmp_path)}
    assert classes_for(rules["coup"]) == ["coup"]
    assert "un-foa-2014:8.4" in indicators_for(rules["coup"])
    assert rules["hdx-armed-conflict"].baseline
    assert sum(r.baseline for r in rules.values()) == 1
    assert "armed-clash" in classes_for(rules["hostilities-surge"])


def test_every_problem_is_named_with_file_and_line(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(BAD)
    import pytest

    from tocsin.errors import InputError

    with pytest.raises(InputError) as exc:
        read_rule_file(f)
    found = {(p.line, p.message.split(" (")[0][:40]) for p in exc.value.problems}
    text = "\n".join(str(p) for p in exc.value.problems)
    assert f"{f}:8: duplicate rule id 'ok-rule'" in text
    assert "mine.yaml:11: unknown event class 'no-such-class'" in text
    assert "mine.yaml:17:" in text and "exactly one of 'threshold', 'surprise'" in text
    assert "mine.yaml:21: 'sg-2013:no-such-trigger' is not a trigger" in text
    assert "mine.yaml:23: 'un-foa-2014:99.9' is not an indicator" in text
    assert "mine.yaml:26: expected 'low', 'medium', 'high' or 'critical'; got 'urgent'" in text
    assert len(found) >= 6


def test_user_rules_in_the_home_replace_shipped_ones(tmp_path):
    d = tmp_path / "alert-rules"
    d.mkdir()
    (d / "tuned.yaml").write_text(
        "id: tuned\nrules:\n  - id: repression-level\n    name: Tuned\n    severity: critical\n"
        "    select: {classes: [repression]}\n    condition: {threshold: 2}\n")
    rules = {r.id: r for r in load_rules(tmp_path)}
    assert rules["repression-level"].condition.threshold == 2
    assert rules["repression-level"].file.endswith("tuned.yaml")


def test_validate_command(tmp_path, run):
    f = tmp_path / "mine.yaml"
    f.write_text(BAD)
    code, _, err = run("warn", "validate", f)
    assert code == 1
    assert "invalid, " in err and ":11: unknown event class" in err
    from tocsin.warning.rules import SHIPPED_DIR

    code, out, _ = run("warn", "validate", SHIPPED_DIR / "default.yaml")
    assert code == 0 and "valid, 14 rule(s)" in out
    code, _, err = run("warn", "validate", tmp_path / "absent.yaml")
    assert code == 2 and "file not found" in err


def test_run_on_an_empty_store_says_so(tmp_path, run):
    code, out, err = run("warn", "run", "--home", tmp_path, "--no-notify")
    assert code == 0, err
    assert "the event store is empty" in out and "0 alerts found" in out
    code, out, _ = run("warn", "alerts", "--home", tmp_path)
    assert code == 0 and "no alerts match" in out
    code, _, err = run("warn", "run", "--home", tmp_path, "--since", "last week")
    assert code == 2 and "--since" in err
