"""Reading, checking and writing assessment files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin.assessment.io import (
    dump_assessment,
    dump_template,
    load_assessment,
    new_assessment,
    parse_assessment,
)
from tocsin.assessment.model import Evidence
from tocsin.errors import InputError
from tocsin.framework import load_framework

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "assessment.yaml"

MINIMAL = """\
country: KEN
framework: un-foa-2014
framework_version: '2014.1'
period: {start: 2024-01-01, end: 2024-12-31}
date: 2025-01-15
assessors:
  - id: a
    name: First
    affiliation: government
    indicators:
      '1.1': {level: 2, confidence: high}
  - id: b
    name: Second
    affiliation: civil-society
    indicators:
      '1.1': {level: 3}
"""


def problems_of(text: str) -> list:
    with pytest.raises(InputError) as info:
        parse_assessment(text, "a.yaml")
    return info.value.problems


def test_minimal_file_parses():
    a = parse_assessment(MINIMAL, "a.yaml")
    assert a.country == "KEN" and a.status == "draft"
    assert a.assessor("b").indicators["1.1"].level == 3


def test_round_trip_of_the_example_is_lossless():
    a = load_assessment(EXAMPLE)
    again = parse_assessment(dump_assessment(a), "dumped.yaml")
    assert again == a
    assert again.model_dump() == a.model_dump()


def test_round_trip_keeps_sensitive_evidence_and_multiline_text():
    a = parse_assessment(MINIMAL, "a.yaml")
    rating = a.assessors[0].indicators["1.1"]
    rating.evidence = [Evidence(text="witness\nstatement", sensitive=True,
                                document_hash="sha256:" + "0" * 64)]
    rating.comment = "line one\nline two"
    assert parse_assessment(dump_assessment(a), "x.yaml") == a


def test_template_lists_every_item_and_reads_back():
    fw = load_framework("un-foa-2014")
    a = new_assessment(fw, "GHA")
    text = dump_template(a, fw)
    again = parse_assessment(text, "template.yaml")
    assert again == a
    for assessor in again.assessors:
        assert set(assessor.indicators) == set(fw.indicators)
        assert len(assessor.measures) == len(fw.resilience_measures)
        assert len(assessor.triggers) == len(fw.triggers)
    assert "# An international or non-international armed conflict" in text
    assert {x.affiliation for x in a.assessors} == {"government", "civil-society"}


def test_template_shows_the_rating_guidance_as_comments():
    fw = load_framework("un-foa-2014")
    a = new_assessment(fw, "GHA")
    text = dump_template(a, fw)
    lines = text.splitlines()
    # the general guidance in the header, marked as Tocsin's and not the UN's
    header = "\n".join(line for line in lines[:40] if line.startswith("#"))
    assert "Rating guidance [Tocsin, 2026]" in header
    assert "not part of the" in header and "UN publication" in header
    assert "#   unknown: Rate unknown when you have no evidence either way" in header
    assert "#   confidence high:" in header
    # each risk factor's four levels above its first indicator, in the first assessor's block
    first = lines.index("    # Risk factor 1. Situations of armed conflict or other forms of "
                        "instability")
    block = lines[first:lines.index(next(x for x in lines if x.startswith("    '1.1'")))]
    for level in ("0 absent:", "1 present:", "2 significant:", "3 severe:"):
        assert any(f"#   {level}" in x for x in block), level
    assert any("Localised unrest or low-intensity violence" in x for x in block)
    for rf in fw.risk_factors:
        assert sum(x.startswith(f"    # Risk factor {rf.id}. ") for x in lines) == 2  # per assessor
    # the second assessor gets the names only: the file stays readable
    assert "    # Risk factor 1. Situations of armed conflict or other forms of instability " \
           "(guidance under gov-1)" in lines
    assert text.count("Localised unrest or low-intensity violence") == 1
    assert all(len(x) <= 100 for x in lines if x.startswith("    #   "))  # wrapped guidance
    # and it is still the same assessment
    assert parse_assessment(text, "template.yaml") == a


def test_template_uses_an_extensions_guidance(tmp_path):
    import shutil

    (tmp_path / "frameworks").mkdir()
    shutil.copy(EXAMPLE.parent / "framework-extension.yaml", tmp_path / "frameworks" / "x.yaml")
    fw = load_framework("foa-example-state", tmp_path)
    text = dump_template(new_assessment(fw, "GHA"), fw)
    assert "[guidance: committee-guidance]" in text
    assert "Armed conflict in many counties, with civilians killed or displaced." in text


def test_sg_2013_template():
    fw = load_framework("sg-2013")
    a = new_assessment(fw, "KEN")
    assert parse_assessment(dump_template(a, fw), "t.yaml").framework == "sg-2013"


@pytest.mark.parametrize("old, new, line, expected", [
    ("'1.1': {level: 2, confidence: high}", "'99.1': {level: 2}", 11,
     "unknown indicator id '99.1'"),
    ("'1.1': {level: 3}", "'1.1': {level: 4}", 16, "expected 0, 1, 2, 3 or 'unknown'; got 4"),
    ("'1.1': {level: 3}", "'1.1': {level: severe}", 16, "got 'severe'"),
    ("id: b", "id: a", 12, "duplicate assessor 'a'"),
    ("framework_version: '2014.1'", "framework_version: '2013.9'", 3,
     "expected framework_version: '2014.1'"),
    ("framework: un-foa-2014", "framework: no-such-framework", 2, "no framework with this id"),
    ("'1.1': {level: 3}", "1.10: {level: 3}", 16, "must be quoted"),
    ("affiliation: civil-society", "affiliation: ngo", 14, "expected 'government'"),
    ("country: KEN", "country: XYZ", 1, "not an ISO 3166-1 alpha-3"),
    ("period: {start: 2024-01-01, end: 2024-12-31}",
     "period: {start: 2024-12-31, end: 2024-01-01}", 4, "expected start <= end"),
    ("      '1.1': {level: 3}", "      '1.1': {level: 3, mood: bad}", 16, "unknown field 'mood'"),
    ("date: 2025-01-15\n", "", 1, "required field 'date' is missing"),
])
def test_bad_input_names_the_line(old, new, line, expected):
    assert old in MINIMAL
    problems = problems_of(MINIMAL.replace(old, new, 1))
    assert any(expected in p.message and p.line == line and p.file == "a.yaml"
               for p in problems), [str(p) for p in problems]


def test_malformed_yaml():
    problems = problems_of(MINIMAL.replace("    name: First", "    name: [First"))
    assert problems[0].line is not None and "not valid YAML" in problems[0].message


def test_not_a_mapping():
    assert "expected an assessment" in problems_of("- just\n- a list\n")[0].message
    assert "empty file" in problems_of("")[0].message


def test_every_problem_is_reported_at_once():
    text = MINIMAL.replace("'1.1': {level: 3}", "'1.1': {level: 7}").replace(
        "affiliation: government", "affiliation: ministry")
    assert len(problems_of(text)) == 2


def test_unknown_ids_in_scenarios():
    text = MINIMAL + """\
scenarios:
  - id: s1
    title: T
    perpetrators: P
    targets: V
    means: M
    triggers: [no-such-trigger]
    watch_points:
      - {id: w1, text: W, indicators: ['1.1', '77.7'], alert_rules: [any-rule-id]}
"""
    messages = [(p.line, p.message) for p in problems_of(text)]
    assert any(line == 23 and "unknown trigger id 'no-such-trigger'" in m for line, m in messages)
    assert any(line == 25 and "unknown indicator id '77.7'" in m for line, m in messages)
    assert len(messages) == 2  # alert_rules are not checked


def test_id_problems_are_reported_with_shape_problems():
    text = MINIMAL.replace("'1.1': {level: 3}", "'1.1': {level: 7}").replace(
        "'1.1': {level: 2, confidence: high}", "'99.9': {level: 2}").replace("id: b", "id: a")
    messages = sorted((p.line, p.message.split(":")[0]) for p in problems_of(text))
    assert [line for line, _ in messages] == [11, 12, 16]
    assert "unknown indicator id '99.9'" in messages[0][1]
    assert "duplicate assessor 'a'" in messages[1][1]
