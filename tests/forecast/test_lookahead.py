"""No look-ahead, by construction: outcomes after the cut-off cannot change a forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tocsin.cli import main

OUTCOME_COLUMNS = ["mk_onset", "mk_onset_1", "mk_onset_2", "mk_onset_1or2"]


def _scramble_after(data_csv, tmp_path, after_year: int, name: str):
    """A copy of the CSV with every outcome of years > ``after_year`` changed."""
    raw = pd.read_csv(data_csv, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(0)
    later = raw["year"].astype(int) > after_year
    for col in OUTCOME_COLUMNS:
        # flip known values, fill held-out blanks with random onsets
        old = raw.loc[later, col]
        new = np.where(old == "1", "0", np.where(old == "0", "1",
                       rng.choice(["0", "1"], size=len(old))))
        raw.loc[later, col] = new
    out = tmp_path / name
    raw.to_csv(out, index=False)
    return out


def _forecast(data, model_kind, until, target, tmp_path, tag):
    model = tmp_path / f"{tag}.json"
    out = tmp_path / f"{tag}.csv"
    assert main(["forecast", "train", "--data", str(data), "--until", str(until),
                 "--target", target, "--model", model_kind, "-o", str(model)]) == 0
    assert main(["forecast", "predict", "--model", str(model), "--data", str(data),
                 "--year", str(until), "-o", str(out)]) == 0
    return pd.read_csv(out)


@pytest.mark.parametrize(("target", "cutoff"), [("1or2", 2), ("1", 1)])
def test_outcomes_after_the_cutoff_cannot_change_a_forecast(data_csv, tmp_path, target, cutoff):
    base = 2005
    changed = _scramble_after(data_csv, tmp_path, base - cutoff, "changed.csv")
    before = _forecast(data_csv, "gbm", base, target, tmp_path, "a")
    after = _forecast(changed, "gbm", base, target, tmp_path, "b")
    pd.testing.assert_frame_equal(before, after)

    # every model learns through the same rule: the rows it is given are identical
    from tocsin.forecast.panel import OUTCOMES, TARGETS, read_panel, training_rows

    tgt = TARGETS[target]
    a = training_rows(read_panel(data_csv, outcomes=OUTCOMES), base, tgt)
    b = training_rows(read_panel(changed, outcomes=OUTCOMES), base, tgt)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("kind", ["rank", "rank-ensemble"])
def test_rank_models_learn_through_the_same_cut(data_csv, tmp_path, kind):
    # the rank model groups training rows by year; the groups come after the cut too
    base = 2005
    changed = _scramble_after(data_csv, tmp_path, base - 2, "changed.csv")
    before = _forecast(data_csv, kind, base, "1or2", tmp_path, "a")
    after = _forecast(changed, kind, base, "1or2", tmp_path, "b")
    pd.testing.assert_frame_equal(before, after)


def test_the_check_is_sensitive_an_outcome_at_the_cutoff_does_matter(data_csv, tmp_path):
    # the control: scrambling from the cut-off year itself must change the forecast
    base = 2005
    changed = _scramble_after(data_csv, tmp_path, base - 3, "changed.csv")
    before = _forecast(data_csv, "gbm", base, "1or2", tmp_path, "a")
    after = _forecast(changed, "gbm", base, "1or2", tmp_path, "b")
    assert not np.allclose(before["probability"], after["probability"])
