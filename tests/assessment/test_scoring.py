"""Scoring rules on small assessments built in the test, worked out by hand."""

from __future__ import annotations

import pytest

from tocsin.assessment.io import new_assessment
from tocsin.assessment.model import Assessor, IndicatorRating, MeasureRating
from tocsin.assessment.scoring import score
from tocsin.framework import load_framework


@pytest.fixture(scope="module")
def fw():
    return load_framework("un-foa-2014")


def make(fw, ratings: dict[str, dict[str, object]], measures=None, affiliations=None):
    """ratings: assessor id -> {indicator id: level}."""
    affiliations = affiliations or {}
    assessors = []
    for aid, levels in ratings.items():
        assessors.append(Assessor(
            id=aid, name=aid, affiliation=affiliations.get(aid, "government"),
            indicators={i: IndicatorRating(level=v) for i, v in levels.items()},
            measures={m: MeasureRating(status=s, effectiveness=e)
                      for m, (s, e) in (measures or {}).get(aid, {}).items()},
        ))
    return new_assessment(fw, "KEN", assessors=assessors)


def test_half_rated_factor_is_never_low(fw):
    # RF 14 has 4 indicators; one rated 0 -> score 0 but coverage 25%: "insufficient", not "low"
    card = score(make(fw, {"a": {"14.1": 0}}), fw)
    rf = card.risk_factor("14")
    assert rf.score == 0.0 and rf.coverage == 0.25 and rf.level == "insufficient"
    assert card.risk_factor("1").level == "not-rated"
    assert card.overall.level == "not-rated" and card.overall.provisional


def test_exactly_half_rated_is_enough(fw):
    # 2 of 4 rated (50%): 14.1 = 1, 14.2 = 0 -> 100 * 0.5 / 3 = 16.7, low
    rf = score(make(fw, {"a": {"14.1": 1, "14.2": 0}}), fw).risk_factor("14")
    assert rf.coverage == 0.5 and rf.score == 16.7 and rf.level == "low"


def test_a_severe_indicator_lifts_the_factor_to_high(fw):
    # RF 14: 3, 0, 0, 0 -> 100 * 3/4 / 3 = 25.0 (moderate by band) but 14.1 is severe -> high
    rf = score(make(fw, {"a": {"14.1": 3, "14.2": 0, "14.3": 0, "14.4": 0}}), fw).risk_factor("14")
    assert rf.score == 25.0 and rf.severe == ["14.1"] and rf.level == "high"


def test_median_ignores_unknown_and_flags_spread(fw):
    card = score(make(fw, {"a": {"1.1": 0}, "b": {"1.1": "unknown"}, "c": {"1.1": 2},
                           "d": {"1.1": 3}}), fw)
    ind = card.indicator("1.1")
    # median of [0, 2, 3] = 2; spread 3 - 0 = 3 -> flagged
    assert (ind.consensus, ind.spread, ind.rated_by, ind.disagreement) == (2, 3, 3, True)
    assert ind.ratings == {"a": 0, "b": None, "c": 2, "d": 3}


def test_overall_is_the_mean_of_the_three_highest(fw):
    full = {}
    # RF 14 all 3 -> 100; RF 12 (7 indicators) all 2 -> 66.7; RF 11 (6) all 1 -> 33.3;
    # RF 10 (8) all 0 -> 0. Overall = (100 + 66.67 + 33.33) / 3 = 66.7 -> high
    for rf_id, level in (("14", 3), ("12", 2), ("11", 1), ("10", 0)):
        full.update({i.id: level for i in fw.risk_factor(rf_id).indicators})
    card = score(make(fw, {"a": full}), fw)
    assert card.overall.drivers == ["14", "12", "11"]
    assert card.overall.score == 66.7 and card.overall.level == "high"
    assert card.overall.provisional  # RF 1-9 not rated
    assert card.risk_factor("14").level == "very-high"


def test_divergence_needs_both_groups(fw):
    card = score(make(fw, {"g": {"2.1": 1}, "c": {"2.1": 3}, "x": {"2.1": 3}},
                      affiliations={"c": "civil-society", "x": "academia"}), fw)
    ind = card.indicator("2.1")
    assert (ind.government, ind.civil_society, ind.divergence, ind.divergent) == (1, 3, 2, True)
    assert card.divergence.flagged == ["2.1"]
    # RF 2: government 100*1/3 = 33.3, civil society 100*3/3 = 100 on the one shared indicator
    rf = card.risk_factor("2")
    assert (rf.government, rf.civil_society, rf.divergence) == (33.3, 100.0, 66.7)
    only_gov = score(make(fw, {"g": {"2.1": 1}}), fw)
    assert only_gov.divergence.mean_divergence is None


def test_measure_values(fw):
    measures = {"a": {"dialogue": ("in-place", "unknown")},     # 1 x 1/3
                "b": {"dialogue": ("partial", "high")},          # 0.5 x 1
                "c": {"dialogue": ("unknown", "high")}}          # not rated
    m = score(make(fw, {"a": {}, "b": {}, "c": {}}, measures=measures), fw).measure("dialogue")
    # median of [0.333, 0.5] = 0.4167 -> 41.7, moderate
    assert m.rated_by == 2 and m.score == 41.7 and m.level == "moderate"


def test_unassessed_measure_is_a_gap_ranked_as_absent(fw):
    levels = {i.id: 3 for i in fw.risk_factor("5").indicators}
    card = score(make(fw, {"a": levels}), fw)
    gaps = [g for g in card.gaps if g.risk_factor == "5"]
    assert [g.measure for g in gaps] == ["security-sector-reform"]
    assert gaps[0].resilience_score is None and gaps[0].severity == 100.0


def test_scorecard_json_is_stable(fw):
    data = score(make(fw, {"a": {"1.1": 1}}), fw).model_dump(mode="json")
    assert list(data) == ["country", "subnational", "framework", "framework_version", "period",
                          "date", "status", "assessors", "indicators", "risk_factors",
                          "measures", "resilience", "triggers", "overall", "divergence", "gaps"]
    assert data["overall"]["thresholds"] == {"very-high": 75.0, "high": 50.0, "moderate": 25.0,
                                             "low": 0.0}


def test_sg_2013(fw):
    sg = load_framework("sg-2013")
    a = new_assessment(sg, "KEN", assessors=[Assessor(
        id="a", name="A", affiliation="government",
        indicators={i: IndicatorRating(level=2) for i in sg.indicators})])
    card = score(a, sg)
    assert [rf.id for rf in card.risk_factors] == ["S1", "S2", "S3", "S4", "S5", "S6"]
    assert all(rf.score == 66.7 and rf.level == "high" for rf in card.risk_factors)
    assert card.overall.drivers == ["S1", "S2", "S3"]
