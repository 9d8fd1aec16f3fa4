"""`tocsin framework validate`: broken files, built from the real shipped ones, each give
the right message, line and exit code (0 valid, 1 invalid, 2 unreadable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin.framework.loader import SHIPPED_DIR

FOA = (SHIPPED_DIR / "un-foa-2014.yaml").read_text()
SG = (SHIPPED_DIR / "sg-2013.yaml").read_text()


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def write(tmp_path: Path, text: str, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def mutate(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def test_shipped_files_are_valid(run, tmp_path):
    for name in ("un-foa-2014.yaml", "sg-2013.yaml"):
        code, out, err = run("framework", "validate", SHIPPED_DIR / name, "--home", tmp_path)
        assert (code, err) == (0, "")
        assert "valid" in out


# (description, mutation of un-foa-2014.yaml, expected message fragment, line anchor)
INVALID = [
    ("duplicate indicator id",
     ('{id: "7.2", text: "Vital', '{id: "7.1", text: "Vital'),
     "duplicate id '7.1': already used by a indicator", '{id: "7.1", text: "Vital'),
    ("dangling link",
     ('indicators: ["un-foa-2014:8.4", "un-foa-2014:1.4"]', 'indicators: ["un-foa-2014:8.44"]'),
     None, None),  # the link is in sg-2013, tested separately below
    ("wrong type",
     ("expected_indicators: 11\n", "expected_indicators: eleven\n"),
     "expected a valid integer", "expected_indicators: eleven"),
    ("missing field",
     ('{id: "3.3", text: "The judiciary is not independent and impartial.", ',
      '{id: "3.3", '),
     "required field 'text' is missing", '{id: "3.3", '),
    ("unknown field",
     ("    kind: structural\n    description: Situations that put",
      "    kind: structural\n    colour: red\n    description: Situations that put"),
     "unknown field 'colour'", "colour: red"),
    ("bad verification value",
     ('{id: "8.3", text: "The international community takes measures that are perceived as '
      'threatening the State\'s sovereignty.", verification: checked',
      '{id: "8.3", text: "The international community takes measures that are perceived as '
      'threatening the State\'s sovereignty.", verification: verified'),
     "expected 'checked', 'recalled-high' or 'recalled-low'; got 'verified'",
     "verification: verified"),
    ("indicator under the wrong risk factor",
     ('{id: "5.8", text:', '{id: "6.12", text:'),
     "indicator '6.12' is numbered for risk factor '6' but listed under '5'", '{id: "6.12"'),
    ("unknown source key",
     ('{id: "4.1", text: "Political motives, above all gaining or keeping power.", '
      'verification: recalled-high, source: recollection}',
      '{id: "4.1", text: "Political motives, above all gaining or keeping power.", '
      'verification: recalled-high, source: memory}'),
     "source 'memory' is not listed under sources", "source: memory"),
    ("duplicate YAML key",
     ("    set: common\n    kind: structural\n    description: Situations",
      "    set: common\n    set: genocide\n    kind: structural\n    description: Situations"),
     "duplicate key 'set'", "set: genocide"),
    ("bad risk factor set",
     ("    set: war-crimes\n", "    set: war crimes\n"),
     "expected 'common', 'genocide', 'crimes-against-humanity' or 'war-crimes'", "set: war crimes"),
    ("include of an unknown framework",
     ("  - from: sg-2013\n", "  - from: sg-2031\n"),
     "no framework with this id", "from: sg-2031"),
    ("id that is not an identifier",
     ('{id: "1.1", text:', '{id: "1 1", text:'),
     "expected an identifier", '{id: "1 1"'),
]


@pytest.mark.parametrize("case", [c for c in INVALID if c[2]], ids=lambda c: c[0])
def test_invalid_framework_exits_1_naming_line_and_expectation(run, tmp_path, case):
    _, (old, new), message, anchor = case
    text = mutate(FOA, old, new)
    path = write(tmp_path, text)
    code, out, err = run("framework", "validate", path, "--home", tmp_path)
    assert code == 1
    assert message in err
    assert f"{path}:{line_of(text, anchor)}:" in err, err
    assert "invalid, " in err and out == ""


def test_dangling_link_names_the_reference(run, tmp_path):
    text = mutate(SG, '"un-foa-2014:8.2"', '"un-foa-2014:8.22"')
    path = write(tmp_path, text)
    code, _, err = run("framework", "validate", path, "--home", tmp_path)
    assert code == 1
    assert "'un-foa-2014:8.22' does not resolve: expected an indicator id in un-foa-2014" in err
    assert f"{path}:{line_of(text, '8.22')}:" in err


def test_link_to_the_wrong_kind_of_item(run, tmp_path):
    text = mutate(SG, 'mitigates: ["un-foa-2014:1", "un-foa-2014:8"]',
                  'mitigates: ["un-foa-2014:1.1", "un-foa-2014:8"]')
    code, _, err = run("framework", "validate", write(tmp_path, text), "--home", tmp_path)
    assert code == 1
    assert "'un-foa-2014:1.1' is a Indicator, expected a risk factor" in err


def test_bad_country_code_in_state_practice(run, tmp_path):
    text = mutate(SG, "{states: [CAN]", "{states: [XYZ]")
    code, _, err = run("framework", "validate", write(tmp_path, text), "--home", tmp_path)
    assert code == 1
    assert "'XYZ' is not an ISO 3166-1 alpha-3 country code" in err


def test_every_problem_is_reported_not_just_the_first(run, tmp_path):
    text = mutate(FOA, '{id: "7.2", text: "Vital', '{id: "7.1", text: "Vital')
    text = mutate(text, '{id: "4.1", text: "Political motives, above all gaining or keeping '
                  'power.", verification: recalled-high, source: recollection}',
                  '{id: "4.1", text: "Political motives.", verification: recalled-high, '
                  'source: memory}')
    code, _, err = run("framework", "validate", write(tmp_path, text), "--home", tmp_path)
    assert code == 1
    assert "duplicate id '7.1'" in err and "source 'memory'" in err
    assert "2 problem(s)" in err


def test_validate_json_lists_problems(run, tmp_path):
    import json

    text = mutate(FOA, "expected_indicators: 11\n", "expected_indicators: eleven\n")
    code, out, _ = run("framework", "validate", write(tmp_path, text), "--home", tmp_path,
                       "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["valid"] is False
    assert data["problems"][0]["line"] == line_of(text, "eleven")
    assert data["problems"][0]["where"] == "risk_factors[0].expected_indicators"


# --- unreadable: exit 2 -----------------------------------------------------------


def test_bad_yaml_syntax_exits_2_with_line(run, tmp_path):
    text = mutate(FOA, '{id: "2.1", text:', '{id: "2.1" text:')
    code, out, err = run("framework", "validate", write(tmp_path, text), "--home", tmp_path)
    assert code == 2
    assert "not valid YAML" in err
    broken = '{id: "2.1" text:'
    assert f":{line_of(text, broken)}:" in err


def test_missing_file_exits_2(run, tmp_path):
    code, _, err = run("framework", "validate", tmp_path / "nope.yaml", "--home", tmp_path)
    assert code == 2
    assert "nope.yaml: file not found" in err


def test_not_utf8_exits_2(run, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(FOA.replace("Tocsin's own paraphrase", "Tocsin’s paraphrase").encode("cp1252"))
    code, _, err = run("framework", "validate", path, "--home", tmp_path)
    assert code == 2
    assert "is not UTF-8 text" in err


def test_binary_file_exits_2(run, tmp_path):
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    code, _, err = run("framework", "validate", path, "--home", tmp_path)
    assert code == 2
    assert "binary file" in err


def test_empty_file_is_invalid_not_unreadable(run, tmp_path):
    code, _, err = run("framework", "validate", write(tmp_path, ""), "--home", tmp_path)
    assert code == 1
    assert "found an empty file" in err


def test_python_tags_are_refused_not_executed(run, tmp_path):
    text = mutate(FOA, "expected_indicators: 11\n",
                  "expected_indicators: !!python/object/apply:os.system ['true']\n")
    code, _, err = run("framework", "validate", write(tmp_path, text), "--home", tmp_path)
    assert code == 1
    assert "unsupported YAML tag tag:yaml.org,2002:python/object/apply:os.system" in err
