"""A state adapts a framework with its own YAML that extends a shipped one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tocsin.framework import load_framework

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "framework-extension.yaml"


@pytest.fixture
def home(tmp_path):
    (tmp_path / "frameworks").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "frameworks" / "foa-example-state.yaml")
    return tmp_path


def write_extension(home: Path, body: str) -> Path:
    path = home / "frameworks" / "ext.yaml"
    path.write_text("id: ext\nextends: un-foa-2014\nversion: '1'\n" + body)
    return path


def test_official_text_replaces_paraphrase_and_is_marked_checked(home):
    base = load_framework("un-foa-2014", home)
    fw = load_framework("foa-example-state", home)
    assert base.indicators["1.1"].verification == "recalled-high"
    assert fw.indicators["1.1"].text == "International or non-international armed conflict."
    assert fw.indicators["1.1"].verification == "checked"
    assert fw.indicators["1.1"].source == "un-pdf"
    assert fw.based_on[0] == "un-foa-2014"
    # Everything the extension does not name is the base's, unchanged.
    assert fw.indicators["7.3"] == base.indicators["7.3"]
    assert len(fw.resilience_measures) == len(base.resilience_measures)


def test_add_and_drop_indicators(home):
    fw = load_framework("foa-example-state", home)
    assert "6.5" not in fw.indicators
    assert [i.id for i in fw.risk_factor("9").indicators][-1] == "9.7"
    assert fw.indicators["9.7"].risk_factor == "9"
    assert len(fw.indicators) == 124


def test_listed_and_shown_from_the_home_directory(run, home):
    code, out, _ = run("framework", "list", "--home", home)
    assert code == 0 and "foa-example-state" in out and "extends un-foa-2014" in out
    code, out, _ = run("framework", "show", "foa-example-state", "--home", home, "--format",
                       "json")
    data = json.loads(out)
    assert data["counts"]["by_verification"]["checked"] == 39
    # References into the base framework still resolve in the adapted one.
    assert load_framework("foa-example-state", home).resolve("un-foa-2014:8.4").id == "8.4"


def test_translation_rewords_texts_and_loses_their_verification(home):
    write_extension(home, "language: fr\nrisk_factors:\n  - id: '8'\n"
                    "    name: Facteurs déclencheurs\nindicators:\n  - id: '8.1'\n"
                    "    text: Déploiement soudain des forces de sécurité.\n")
    fw = load_framework("ext", home)
    assert fw.language == "fr"
    assert fw.risk_factor("8").name == "Facteurs déclencheurs"
    # A translation by the state is not the checked text any more, unless it says so.
    assert fw.indicators["8.1"].verification == "recalled-low"
    assert "not verified" in fw.indicators["8.1"].note


def test_checked_without_text_is_refused(run, home):
    path = write_extension(home, "indicators:\n  - id: '1.2'\n    verification: checked\n")
    code, _, err = run("framework", "validate", path, "--home", home)
    assert code == 1
    assert f"{path}:5: indicator '1.2' is marked checked but gives no text" in err


def test_new_indicator_needs_its_fields(run, home):
    path = write_extension(home, "indicators:\n  - id: '2.9'\n    text: Something new.\n")
    code, _, err = run("framework", "validate", path, "--home", home)
    assert code == 1
    assert "new indicator '2.9' needs risk_factor, verification, source" in err


def test_drop_of_unknown_indicator(run, home):
    path = write_extension(home, "drop: ['6.50']\n")
    code, _, err = run("framework", "validate", path, "--home", home)
    assert code == 1
    assert f"{path}:4: cannot drop '6.50': no such indicator in un-foa-2014" in err


def test_extends_unknown_framework(run, home):
    path = home / "frameworks" / "ext.yaml"
    path.write_text("id: ext\nextends: un-foa-2041\nversion: '1'\n")
    code, _, err = run("framework", "validate", path, "--home", home)
    assert code == 1
    assert f"{path}:2: no framework with this id" in err


def test_circular_extension(run, home):
    (home / "frameworks" / "a.yaml").write_text("id: a\nextends: b\nversion: '1'\n")
    (home / "frameworks" / "b.yaml").write_text("id: b\nextends: a\nversion: '1'\n")
    code, _, err = run("framework", "validate", home / "frameworks" / "a.yaml", "--home", home)
    assert code == 1
    assert "circular reference between frameworks: a -> b -> a" in err


def test_extension_replaces_one_risk_factors_guidance(home):
    base = load_framework("un-foa-2014", home)
    fw = load_framework("foa-example-state", home)
    g = fw.risk_factor("1").rating_guidance
    assert g.source == "committee-guidance"
    assert g.severe == "Armed conflict in many counties, with civilians killed or displaced."
    assert g != base.risk_factor("1").rating_guidance
    # the other risk factors, and the general guidance, keep the base's
    assert fw.risk_factor("2").rating_guidance == base.risk_factor("2").rating_guidance
    assert fw.rating_guidance == base.rating_guidance
    assert [s.key for s in fw.guidance_sources()] == ["tocsin-guidance", "committee-guidance"]
    # renaming a risk factor keeps its guidance
    write_extension(home, "risk_factors:\n  - id: '8'\n    name: Facteurs déclencheurs\n")
    assert load_framework("ext", home).risk_factor("8").rating_guidance == \
        base.risk_factor("8").rating_guidance


def test_extension_replaces_the_general_guidance(home):
    write_extension(home, "sources:\n  - {key: g, title: Guide national, publisher: Comité, "
                    "year: 2026}\nrating_guidance:\n  source: g\n  unknown: Pas d'élément.\n"
                    "  confidence: {low: Faible., medium: Moyenne., high: Élevée.}\n")
    fw = load_framework("ext", home)
    assert fw.rating_guidance.unknown == "Pas d'élément."
    assert fw.rating_guidance.source == "g"


def test_guidance_from_an_unlisted_source_is_refused(run, home):
    path = write_extension(home, "risk_factors:\n  - id: '1'\n    rating_guidance:\n"
                           "      source: nowhere\n      absent: a\n      present: b\n"
                           "      significant: c\n      severe: d\n")
    code, _, err = run("framework", "validate", path, "--home", home)
    assert code == 1
    assert f"{path}:7: source 'nowhere' is not listed under sources" in err


def test_guidance_must_give_all_four_levels(run, home):
    path = write_extension(home, "risk_factors:\n  - id: '1'\n    rating_guidance:\n"
                           "      source: tocsin-guidance\n      severe: Only this.\n")
    code, _, err = run("framework", "validate", path, "--home", home)
    assert code == 1
    for level in ("absent", "present", "significant"):
        assert f"risk_factors[0].rating_guidance.{level}" in err
