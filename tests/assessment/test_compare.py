"""Comparing two assessments of the same country."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin.assessment.compare import compare
from tocsin.assessment.io import load_with_framework
from tocsin.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "assessment.yaml"


@pytest.fixture
def pair():
    old, fw = load_with_framework(EXAMPLE)
    new = old.model_copy(deep=True)
    return old, new, fw


def test_same_file_has_no_changes(pair):
    old, new, fw = pair
    c = compare(old, new, fw)
    assert c.indicators == [] and c.overall_change == 0.0
    assert all(rf.change == 0.0 for rf in c.risk_factors)


def test_changes_per_indicator_and_risk_factor(pair):
    old, new, fw = pair
    # Raise every assessor's 14.4 to 3: median 0 -> 3. RF 14 medians 1, 1, 3 (14.3 unknown):
    # 100 * 5/3 / 3 = 55.6, from 22.2: +33.4 (rounded scores), level low -> high
    for x in new.assessors:
        x.indicators["14.4"].level = 3
        x.indicators["14.3"].level = "unknown"
    new.assessors[0].indicators["13.7"].level = 1      # newly rated
    new.assessors[0].triggers["armed-hostilities"].observed = True
    c = compare(old, new, fw)
    by_id = {i.id: i for i in c.indicators}
    assert by_id["14.4"].kind == "up" and by_id["14.4"].change == 3.0
    assert by_id["13.7"].kind == "newly-rated" and by_id["13.7"].new == 1
    rf14 = next(rf for rf in c.risk_factors if rf.id == "14")
    assert (rf14.old_score, rf14.new_score, rf14.change) == (22.2, 55.6, 33.4)
    assert (rf14.old_level, rf14.new_level) == ("low", "high")
    assert c.triggers_new == ["armed-hostilities"]


def test_different_countries_are_refused(pair):
    old, new, fw = pair
    new.country = "UGA"
    with pytest.raises(InputError, match="same country"):
        compare(old, new, fw, old_file="old.yaml", new_file="new.yaml")
