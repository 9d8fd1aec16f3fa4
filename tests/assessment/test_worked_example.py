"""The worked example (examples/assessment.yaml), scored by hand.

Every expected figure below is worked out from the ratings in the file, with
the arithmetic written out, following docs/scoring.md. Assessor order in the
file: gov-a, gov-b (government), cso-c, cso-d (civil society), nhri-e (NHRI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin.assessment.io import load_with_framework
from tocsin.assessment.scoring import score

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "assessment.yaml"


@pytest.fixture(scope="module")
def card():
    a, fw = load_with_framework(EXAMPLE)
    return score(a, fw)


def test_example_has_the_required_shape():
    a, fw = load_with_framework(EXAMPLE)
    affiliations = [x.affiliation for x in a.assessors]
    assert len(a.assessors) >= 4
    assert affiliations.count("government") >= 2
    assert affiliations.count("civil-society") >= 2
    rated_rfs = {fw.indicators[i].risk_factor for x in a.assessors
                 for i, r in x.indicators.items() if r.level != "unknown"}
    assert rated_rfs == {rf.id for rf in fw.risk_factors}  # all 14 covered


def test_risk_factor_14(card):
    # 14.1: 1,1,1,1,1 -> median 1
    # 14.2: 1,0,1,1,unknown -> median of [0,1,1,1] = 1
    # 14.3: unknown for all -> not rated
    # 14.4: 0,0,1,1,0 -> median 0
    # score = 100 * mean(1, 1, 0) / 3 = 22.22; coverage 3/4
    rf = card.risk_factor("14")
    assert rf.rated == 3 and rf.coverage == 0.75
    assert rf.score == 22.2
    assert rf.level == "low"  # below 25


def test_risk_factor_9_and_government_civil_society_divergence(card):
    # indicator  gov-a gov-b cso-c cso-d nhri-e  median  gov   cso
    # 9.1          0     1     2     2     1       1    0.5   2
    # 9.2          0     0     1     1     0       0    0     1
    # 9.3          1     1     2     2     2       2    1     2
    # 9.4          2     2     2     2     2       2    2     2
    # 9.5          2     2     2     3     2       2    2     2.5
    # 9.6          0     0     0     0     0       0    0     0
    # score = 100 * (1+0+2+2+2+0)/6/3 = 38.89
    # government = 100 * (0.5+0+1+2+2+0)/6/3 = 30.56
    # civil society = 100 * (2+1+2+2+2.5+0)/6/3 = 52.78; divergence 22.2 points
    rf = card.risk_factor("9")
    assert rf.score == 38.9 and rf.level == "moderate" and rf.coverage == 1.0
    assert rf.government == 30.6
    assert rf.civil_society == 52.8
    assert rf.divergence == 22.2
    # 9.1 spans 0..2: flagged for disagreement; 9.4 does not
    assert rf.disagreements == ["9.1"]
    i91 = card.indicator("9.1")
    assert (i91.consensus, i91.spread, i91.government, i91.civil_society) == (1, 2, 0.5, 2)
    assert i91.divergence == 1.5 and i91.divergent


def test_risk_factor_2_is_high(card):
    # 2.1 1,1,2,2,2 -> 2      2.5 0,0,1,1,unknown -> median of [0,0,1,1] = 0.5
    # 2.2 1,1,2,2,2 -> 2      2.6 0,1,1,2,1 -> 1
    # 2.3 0,1,2,2,2 -> 2      2.7 1,1,2,2,2 -> 2
    # 2.4 0,0,1,2,1 -> 1      2.8 1,1,2,2,2 -> 2
    # score = 100 * 12.5/8/3 = 52.08 -> "high" (50 to 75)
    rf = card.risk_factor("2")
    assert rf.score == 52.1
    assert rf.level == "high"
    assert rf.disagreements == ["2.3", "2.4", "2.6"]


def test_risk_factor_5_sits_on_the_moderate_threshold(card):
    # 5.1..5.8 medians: 1, 1, 1, 0, 2, 0 (of [0,0,1,0]), 1, 0 -> 6/8/3 = 25.0 exactly
    rf = card.risk_factor("5")
    assert rf.score == 25.0 and rf.level == "moderate"


def test_risk_factor_13_coverage(card):
    # 13.7-13.10 unknown for everyone: 6 of 10 rated.
    # medians 13.1..13.6: 1, 0.5 (of [0,0,1,1]), 1, 0, 1, 1 -> 4.5/6/3 = 25.0
    rf = card.risk_factor("13")
    assert rf.coverage == 0.6 and rf.rated == 6
    assert rf.score == 25.0 and rf.level == "moderate"


def test_overall(card):
    # RF 1 medians: 0,2,1,0,1,1,2,1,2,2,1 = 13 -> 100*13/11/3 = 39.39
    # The three highest: RF 2 52.083, RF 1 39.394, RF 9 38.889
    # overall = (52.083 + 39.394 + 38.889) / 3 = 43.46 -> "moderate" (25 to 50)
    assert card.risk_factor("1").score == 39.4
    assert card.overall.drivers == ["2", "1", "9"]
    assert card.overall.score == 43.5
    assert card.overall.level == "moderate"
    assert card.overall.provisional is False


def test_resilience(card):
    # value = status (absent 0, partial .5, in-place 1) x effectiveness (none 0, low 1/3,
    # medium 2/3, high 1, unknown 1/3); measure score = 100 x median over assessors.
    # accountability: partial/medium .333, partial/low .167, partial/low .167,
    #   absent 0, partial/low .167 -> median .167 -> 16.7, weak
    # active-civil-society: 1, 1, .667, .333, 1 -> median 1 -> 100, strong
    # education: .333, .333, .167, .167, (nhri unknown, left out) -> (.167+.333)/2 = 25.0
    # commemoration: .167, 0, 0, 0, 0 -> 0
    assert card.measure("accountability").score == 16.7
    assert card.measure("accountability").level == "weak"
    assert card.measure("active-civil-society").score == 100.0
    assert card.measure("education").score == 25.0 and card.measure("education").rated_by == 4
    assert card.measure("commemoration").score == 0.0
    # overall: the 16 measure scores
    # 66.7+33.3+16.7+16.7+16.7+33.3+33.3+66.7+100+66.7+66.7+33.3+66.7+25+0+100 = 741.67
    # / 16 = 46.35 -> moderate (40 to 70)
    assert card.resilience.score == 46.4
    assert card.resilience.level == "moderate"
    assert card.resilience.coverage == 1.0


def test_triggers(card):
    seen = {t.id: t.observed_by for t in card.triggers}
    assert seen["internal-unrest"] == ["gov-a", "gov-b", "cso-c", "cso-d", "nhri-e"]
    assert seen["hate-speech"] == ["cso-c", "cso-d", "nhri-e"]
    assert seen["armed-hostilities"] == []


def test_gaps(card):
    # Examined: RF 2 (>= 50) and the drivers RF 1 and RF 9.
    # RF 2 is mitigated by accountability 16.7, transitional-justice 16.7,
    # human-rights-institutions 66.7, commemoration 0.
    # severity = 52.1 x (1 - resilience/100): commemoration 52.1, accountability
    # 52.1 x .833 = 43.4, transitional-justice 43.4 (tie, by id), ...
    top = [(g.risk_factor, g.measure, g.severity) for g in card.gaps[:4]]
    assert top == [("2", "commemoration", 52.1), ("2", "accountability", 43.4),
                   ("2", "transitional-justice", 43.4), ("9", "commemoration", 38.9)]
    assert card.gaps[0].rank == 1
    # strong measures leave no gap
    assert not [g for g in card.gaps if g.measure in ("active-civil-society", "partnerships")]
    accountability = card.gaps[1]
    assert {"ARG", "BOL"} <= {s for p in accountability.state_practice for s in p.states}
    assert any(r.startswith("R3") for r in accountability.recommendations)
