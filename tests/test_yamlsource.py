"""Hostile and mistaken YAML: what a file sent by someone else can do to Tocsin."""

from __future__ import annotations

import tracemalloc

import pytest

from tests.conftest import REPO
from tocsin.errors import InputError, UnreadableError
from tocsin.yamlsource import MAX_VALUES, expanded_size, parse_yaml

EXAMPLE = REPO / "examples" / "assessment.yaml"


def billion_laughs(depth: int = 10) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, depth)]
    return "\n".join(lines) + "\n"


def test_nested_aliases_are_refused_before_they_are_expanded():
    text = billion_laughs()  # 9**10 = 3.5 billion strings from half a kilobyte
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableError, match="expands to more than 1,000,000 values"):
            parse_yaml(text, "laughs.yaml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MB to refuse a 500-byte file"


def test_the_attack_through_the_command_line_and_an_assessment(run, tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(EXAMPLE.read_text(encoding="utf-8") + "x-" + billion_laughs(),
                    encoding="utf-8")
    code, _, err = run("assess", "validate", bomb, "--home", tmp_path)
    assert code == 2 and "bomb.yaml: expands to more than" in err
    code, _, err = run("assess", "report", bomb, "-o", tmp_path / "r.html", "--home", tmp_path)
    assert code == 2 and not (tmp_path / "r.html").exists()


def test_ordinary_aliases_still_work_and_are_counted():
    doc = parse_yaml("a: &x [1, 2]\nb: *x\n", "ok.yaml")
    assert doc.data == {"a": [1, 2], "b": [1, 2]}
    import yaml

    # the mapping, l0 (a list of 9), l1 (9 copies of l0), l2 (9 copies of l1)
    assert expanded_size(yaml.compose(billion_laughs(3))) == 1 + 10 + 91 + 820
    assert expanded_size(yaml.compose(billion_laughs())) == MAX_VALUES + 1  # capped


def test_too_deep_and_too_large_are_one_message(tmp_path):
    with pytest.raises(InputError, match="deep.yaml"):
        parse_yaml("[" * 5000 + "]" * 5000, "deep.yaml")
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * (21 * 2**20) + "\n")
    from tocsin.yamlsource import read_yaml

    with pytest.raises(UnreadableError, match="larger than 20 MB"):
        read_yaml(big)


def test_a_date_that_does_not_exist_names_its_line(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "date: 2025-03-14" in text
    bad.write_text(text.replace("date: 2025-03-14", "date: 2024-02-30"), encoding="utf-8")
    line = next(n for n, t in enumerate(bad.read_text().splitlines(), 1) if "2024-02-30" in t)
    code, _, err = run("assess", "validate", bad, "--home", tmp_path)
    assert code == 1 and "Traceback" not in err
    assert f"bad.yaml:{line}: '2024-02-30' is not a valid value" in err


@pytest.mark.parametrize("level", ["yes", "true", "2.0", "1.5"])
def test_a_level_must_be_a_whole_level(run, tmp_path, level):
    bad = tmp_path / "bad.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert "{level: 0, confidence: high" in text
    bad.write_text(text.replace("{level: 0, confidence: high", "{level: " + level
                                + ", confidence: high", 1), encoding="utf-8")
    code, _, err = run("assess", "validate", bad, "--home", tmp_path)
    assert code == 1, err
    assert "expected 0, 1, 2, 3 or 'unknown'" in err or "expected 0, 1, 2, 3" in err
