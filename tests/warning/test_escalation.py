"""The detection maths on small series whose answers can be reasoned out."""

import numpy as np
import pytest

from tocsin.warning import escalation


def test_quiet_year_then_one_event_is_not_an_alarm_but_many_are():
    quiet = np.zeros(52)
    one = escalation.nb_surprise(np.append(quiet, 1)).p_value[0, -1]
    ten = escalation.nb_surprise(np.append(quiet, 10)).p_value[0, -1]
    assert one > 0.001  # the prior keeps one event in a quiet year unremarkable
    assert ten < 1e-6


def test_over_dispersed_baseline_makes_the_same_count_less_surprising():
    rng = np.random.default_rng(7)
    steady = np.full(52, 5.0)  # mean 5, no extra variance: Poisson
    bursty = rng.choice([0, 0, 0, 0, 25], size=52).astype(float)
    bursty *= 5 * 52 / max(bursty.sum(), 1)  # same mean, far more variance
    p_steady = escalation.nb_surprise(np.append(steady, 20)).p_value[0, -1]
    p_bursty = escalation.nb_surprise(np.append(np.round(bursty), 20)).p_value[0, -1]
    assert p_steady < 1e-4 < p_bursty


def test_weeks_without_coverage_are_neither_baseline_nor_scored():
    x = np.array([np.nan] * 60 + [0] * 5 + [30], dtype=float)
    s = escalation.nb_surprise(x, min_baseline_weeks=8)
    assert np.isnan(s.p_value[0, -1])  # only 5 covered weeks before it
    assert s.baseline_weeks[0, -1] == 5
    x = np.array([np.nan] * 60 + [0] * 10 + [30], dtype=float)
    assert escalation.nb_surprise(x).p_value[0, -1] < 1e-6


def test_guard_weeks_keep_a_build_up_out_of_its_own_baseline():
    x = np.array([1.0] * 52 + [10, 20, 40])
    plain = escalation.nb_surprise(x).p_value[0, -1]
    guarded = escalation.nb_surprise(x, guard_weeks=2).p_value[0, -1]
    assert guarded < plain


def test_vectorised_over_series_matches_one_by_one():
    rng = np.random.default_rng(1)
    x = rng.poisson(2, size=(4, 80)).astype(float)
    together = escalation.nb_surprise(x).p_value
    for i in range(4):
        np.testing.assert_allclose(escalation.nb_surprise(x[i]).p_value[0], together[i])


def test_p_value_is_the_negative_binomial_upper_tail():
    from scipy.stats import nbinom

    x = np.array([2.0, 0, 3, 1, 0, 0, 4, 2, 1, 0, 7])
    s = escalation.nb_surprise(x, min_baseline_weeks=1)
    size, mu = s.size[0, -1], s.expected[0, -1]
    expected = nbinom.sf(6, size, size / (size + mu))
    assert s.p_value[0, -1] == pytest.approx(expected, rel=1e-9)


def test_threshold():
    assert escalation.threshold(np.array([np.nan, 4, 5, 6]), 5).tolist() == [False, False, True,
                                                                         True]


def test_hdx_rule_needs_a_year_of_data_the_floor_and_a_new_high():
    days = 1400
    y = np.zeros(days)
    y[100:130] = 10  # 300 in 30 days in the first year: no history yet
    y[500:530] = 5  # 150: a year of history; highest in a year
    y[700:730] = 4  # 120: lower than the 150 of 200 days before: no signal
    y[1300:1330] = 20  # 600: highest in three years
    h = escalation.hdx_conflict(y)
    assert h.level[:400].max() == 0
    assert h.level[500:531].max() == 1
    assert h.level[680:740].max() == 0
    assert h.level[1300:1331].max() == 2
    low = escalation.hdx_conflict(y / 10)  # same shape under the floor of 100
    assert low.level.max() == 0


def test_hdx_rule_does_not_count_uncovered_days_as_history():
    y = np.full(800, np.nan)
    y[700:] = 10
    assert escalation.hdx_conflict(y).level.max() == 0
