"""Escalation detection on weekly counts: a negative-binomial surprise against a
rolling baseline, plain level thresholds, and the HDX Signals armed-conflict rule.

Weekly conflict counts are sparse (most country-weeks are zero) and over-dispersed
(a few weeks explode), so a Gaussian z-score is wrong twice: it has no mass at
zero and far too thin a tail. We model a week's count as negative binomial whose
mean and dispersion come from the weeks before it (docs/early-warning.md):

* mean: ``mu = (S + a) / (n + b)``, with S the sum over the n observed baseline
  weeks and a Gamma(a, b) prior on the weekly rate, so a baseline of zeros does
  not make one event infinitely surprising;
* week-to-week over-dispersion ``1/k`` from the baseline's moments (0 when the
  variance does not exceed the mean, i.e. Poisson);
* uncertainty about the mean itself, a gamma with shape ``a + S``: a short or
  empty baseline widens the predictive distribution instead of sharpening it.

The two gamma multipliers combine into one negative binomial with
``1/size = 1/k + 1/(a+S) + 1/(k (a+S))`` (the squared coefficient of variation of
a product of independent gammas). The surprise is the upper tail ``P(Y >= y)``.

All functions work on 2-D arrays (one row per series, one column per week) so a
whole rule runs as a few vectorised numpy operations. ``NaN`` marks a week the
source does not cover; it is neither counted in a baseline nor scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PRIOR_A = 0.5  # prior weekly rate a/b = 0.5 events, worth b = 1 week of data
PRIOR_B = 1.0


@dataclass(frozen=True)
class Surprise:
    expected: np.ndarray  # predictive mean for each week
    size: np.ndarray  # negative-binomial size of the predictive distribution
    p_value: np.ndarray  # P(Y >= observed); NaN where not scored
    baseline_weeks: np.ndarray  # observed weeks in the baseline


def _rolling_past(x: np.ndarray, window: int, guard: int) -> np.ndarray:
    """Sum over the ``window`` weeks ending ``guard + 1`` weeks before each week."""
    n_series, n_weeks = x.shape
    c = np.zeros((n_series, n_weeks + 1))
    np.cumsum(x, axis=1, out=c[:, 1:])
    idx = np.arange(n_weeks)
    hi = np.clip(idx - guard, 0, n_weeks)  # exclusive end: weeks < t - guard
    lo = np.clip(idx - guard - window, 0, n_weeks)
    return c[:, hi] - c[:, lo]


def nb_surprise(values: np.ndarray, baseline_weeks: int = 52, guard_weeks: int = 0,
                min_baseline_weeks: int = 8, prior_a: float = PRIOR_A,
                prior_b: float = PRIOR_B) -> Surprise:
    """Score every week of every series against the weeks before it.

    ``values``: (series, weeks) counts, NaN where the source has no coverage.
    ``baseline_weeks``: how many past weeks form the baseline; ``guard_weeks``:
    weeks skipped just before the scored one, so a slow build-up is not absorbed
    into its own baseline. Weeks with fewer than ``min_baseline_weeks`` observed
    baseline weeks get no p-value: with too little history, surprise means nothing.
    """
    # P(Y >= y) of a negative binomial is a regularised incomplete beta function,
    # I_{1-p}(y, size); scipy.special is much lighter to import than scipy.stats.
    from scipy.special import betainc

    x = np.atleast_2d(np.asarray(values, dtype=float))
    seen = ~np.isnan(x)
    x0 = np.where(seen, x, 0.0)
    n = _rolling_past(seen.astype(float), baseline_weeks, guard_weeks)
    s = _rolling_past(x0, baseline_weeks, guard_weeks)
    q = _rolling_past(x0 * x0, baseline_weeks, guard_weeks)
    mu = (s + prior_a) / (n + prior_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_obs = np.where(n > 0, s / np.maximum(n, 1), 0.0)
        var_obs = np.where(n > 1, (q - n * mean_obs**2) / np.maximum(n - 1, 1), 0.0)
        # Over-dispersion 1/k by moments; 0 (Poisson) when variance <= mean.
        inv_k = np.where(mean_obs > 0, np.maximum(var_obs - mean_obs, 0) / mean_obs**2, 0.0)
        inv_shape = 1.0 / (prior_a + s)
        inv_size = inv_k + inv_shape + inv_k * inv_shape
        size = 1.0 / inv_size
        p = size / (size + mu)
        # P(Y >= y) = sf(y - 1); y = 0 is never surprising.
        y = np.maximum(np.ceil(x0), 1.0)
        pv = np.where(x0 > 0, betainc(y, size, 1.0 - p), 1.0)
    scored = seen & (n >= min_baseline_weeks)
    pv = np.where(scored, pv, np.nan)
    return Surprise(expected=mu, size=size, p_value=pv, baseline_weeks=n)


def threshold(values: np.ndarray, at_least: float) -> np.ndarray:
    """Plain level threshold: True where the week's value is at least ``at_least``."""
    x = np.asarray(values, dtype=float)
    return np.where(np.isnan(x), False, x >= at_least)


@dataclass(frozen=True)
class Hdx:
    rolling: np.ndarray  # 30-day fatalities ending on each day
    prior_max_1y: np.ndarray  # highest 30-day total ending in the previous 365 days
    prior_max_3y: np.ndarray  # ... in the previous 3 x 365 days
    level: np.ndarray  # 0 none, 1 medium (not seen in a year), 2 high (not seen in 3 years)


def hdx_conflict(daily_fatalities: np.ndarray, window_days: int = 30, floor: float = 100,
                 history_days: int = 365) -> Hdx:
    """OCHA HDX Signals' armed-conflict rule on one country's daily fatalities.

    HDX: "monthly fatalities [the rolling sum over the past 30 days] reaches levels
    not seen in the past one or three years"; no signal below a floor of 100.
    A day is scored only when the ``history_days`` before it are covered (a level
    "not seen in a year" cannot be judged on less than a year of data; 5% slack for
    gaps between files). NaN = no coverage.
    """
    y = np.asarray(daily_fatalities, dtype=float)
    covered = ~np.isnan(y)
    y0 = np.where(covered, y, 0.0)
    c = np.concatenate([[0.0], np.cumsum(y0)])
    idx = np.arange(len(y))
    rolling = c[idx + 1] - c[np.maximum(idx + 1 - window_days, 0)]

    def prior_max(days: int) -> np.ndarray:
        out = np.full(len(y), -np.inf)
        # running max over a sliding window via a monotonic deque would be O(n);
        # a strided maximum over the padded series is simpler and fast enough
        pad = np.concatenate([np.full(days, -np.inf), rolling])
        from numpy.lib.stride_tricks import sliding_window_view

        win = sliding_window_view(pad[:-1], days)  # row t: rolling[t-days .. t-1]
        out[:] = win.max(axis=1)
        return out

    m1 = prior_max(365)
    m3 = prior_max(3 * 365)
    cc = np.concatenate([[0], np.cumsum(covered)])
    history = cc[idx] - cc[np.maximum(idx - history_days, 0)]
    eligible = (history >= 0.95 * history_days) & covered & (rolling >= floor)
    level = np.where(eligible & (rolling > m3), 2, np.where(eligible & (rolling > m1), 1, 0))
    return Hdx(rolling=rolling, prior_max_1y=m1, prior_max_3y=m3, level=level)
