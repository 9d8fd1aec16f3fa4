"""``tocsin assess`` in-process: exit codes, output, nothing written on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "assessment.yaml"


def test_init_writes_a_template_that_validates(run, tmp_path):
    out = tmp_path / "ken.yaml"
    code, stdout, _ = run("assess", "init", "--country", "KEN", "--framework", "un-foa-2014",
                          "-o", out, "--home", tmp_path)
    assert code == 0 and "124 indicators" in stdout
    code, stdout, _ = run("assess", "validate", out, "--home", tmp_path)
    assert code == 0 and "valid" in stdout
    # refuses to overwrite
    code, _, err = run("assess", "init", "--country", "KEN", "--framework", "un-foa-2014",
                       "-o", out, "--home", tmp_path)
    assert code == 2 and "already exists" in err


def test_init_bad_country_writes_nothing(run, tmp_path):
    out = tmp_path / "x.yaml"
    code, _, err = run("assess", "init", "--country", "XX1", "--framework", "un-foa-2014",
                       "-o", out, "--home", tmp_path)
    assert code == 2 and "ISO 3166-1 alpha-3" in err
    assert list(tmp_path.iterdir()) == []


def test_score_text_and_json(run, tmp_path):
    code, out, _ = run("assess", "score", EXAMPLE, "--home", tmp_path)
    assert code == 0
    assert "Overall risk: moderate (43.5/100); driven by risk factors 2, 1, 9" in out
    code, out, _ = run("assess", "score", EXAMPLE, "--format", "json", "--home", tmp_path)
    data = json.loads(out)
    assert data["overall"]["level"] == "moderate" and data["overall"]["score"] == 43.5
    assert len(data["risk_factors"]) == 14 and len(data["indicators"]) == 124


@pytest.mark.parametrize("old, new, expected", [
    ("'14.1': {level: 1, confidence: medium, trend: stable}",
     "'14.1': {level: 5, confidence: medium, trend: stable}", "expected 0, 1, 2, 3 or 'unknown'"),
    ("'14.1': {level: 1, confidence: medium, trend: stable}",
     "'14.9': {level: 1, confidence: medium, trend: stable}", "unknown indicator id '14.9'"),
    ("- id: cso-d", "- id: cso-c", "duplicate assessor 'cso-c'"),
    ("framework_version: '2014.1'", "framework_version: '2014.2'",
     "expected framework_version: '2014.1'"),
    ("country: KEN", "country: [KEN", "not valid YAML"),
])
def test_bad_input_exits_2_with_file_and_line(run, tmp_path, old, new, expected):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "report.html"
    for args in (("score", bad), ("report", bad, "-o", out), ("compare", EXAMPLE, bad)):
        code, _, err = run("assess", *args, "--home", tmp_path)
        assert code == 2, args
        assert expected in err and f"{bad}:" in err
        line = int(err.split(f"{bad}:")[1].split(":")[0])
        assert line > 0
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_validate_exits_1_on_problems(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("status: in-review",
                                                               "status: done"), encoding="utf-8")
    code, _, err = run("assess", "validate", bad, "--home", tmp_path)
    assert code == 1 and "expected 'draft', 'in-review' or 'final'" in err


def test_validate_refuses_watch_points_naming_rules_that_do_not_exist(run, tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "alert_rules: [repression-level, civilian-killings-level-admin1]" in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("[repression-level, civilian-killings-level-admin1]",
                                "[repression-level, protest-fatalities]"), encoding="utf-8")
    code, _, err = run("assess", "validate", bad, "--home", tmp_path)
    line = next(n for n, t in enumerate(bad.read_text().splitlines(), 1)
                if "protest-fatalities" in t)
    assert code == 1
    assert f"bad.yaml:{line}: watch point 'protest-deaths' names alert rule " \
           "'protest-fatalities', which is not a rule in force" in err
    # A rule of the home's own alert-rules/ folder is in force there.
    rules = tmp_path / "alert-rules"
    rules.mkdir()
    (rules / "mine.yaml").write_text(
        "id: mine\nrules:\n  - id: protest-fatalities\n    name: Protest deaths\n"
        "    severity: high\n    select: {classes: [repression]}\n"
        "    measure: fatalities\n    condition: {threshold: 5}\n", encoding="utf-8")
    code, out, err = run("assess", "validate", bad, "--home", tmp_path)
    assert code == 0, err


def test_compare_exits_0_and_lists_changes(run, tmp_path):
    new = tmp_path / "new.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    new.write_text(text.replace("date: 2025-03-14", "date: 2026-03-14").replace(
        "'12.1': {level: 0, confidence: high, trend: stable}",
        "'12.1': {level: 3, confidence: high, trend: worsening}"), encoding="utf-8")
    code, out, _ = run("assess", "compare", EXAMPLE, new, "--home", tmp_path)
    assert code == 0
    assert "2025-03-14 -> 2026-03-14" in out
    # 12.1 ratings 3,3,3,3,3 after replacing in every assessor -> median 3
    assert "12.1" in out and "up" in out
    code, out, _ = run("assess", "compare", EXAMPLE, new, "--format", "json", "--home", tmp_path)
    data = json.loads(out)
    assert [i["id"] for i in data["indicators"]] == ["12.1"]


def test_report_rejects_unknown_suffix(run, tmp_path):
    code, _, err = run("assess", "report", EXAMPLE, "-o", tmp_path / "r.docx", "--home", tmp_path)
    assert code == 2 and ".html or .pdf" in err


def test_report_html(run, tmp_path):
    copy = tmp_path / "a.yaml"
    shutil.copy(EXAMPLE, copy)
    out = tmp_path / "r.html"
    code, stdout, _ = run("assess", "report", copy, "-o", out, "--home", tmp_path)
    assert code == 0 and out.exists()
    html = out.read_text(encoding="utf-8")
    assert "Executive summary" in html and "sensitive evidence withheld" in html
