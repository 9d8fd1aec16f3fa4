"""The forecast metrics, defined once for the backtest and for `forecast score`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.metrics import log_loss as sk_log_loss

from tocsin.forecast import metrics


@pytest.fixture(scope="module")
def predictions():
    """Two models over three base years of 60 countries, with tied probabilities."""
    rng = np.random.default_rng(0)
    parts = []
    outcome = {year: (rng.random(60) < 0.1).astype(int) for year in (2000, 2001, 2002)}
    for model in ("a", "b"):
        for year in (2000, 2001, 2002):
            p = np.round(rng.random(60) * 0.2 + 0.1 * outcome[year], 2)  # ties
            parts.append(pd.DataFrame({"base_year": year, "model": model, "ccode": range(60),
                                       "outcome": outcome[year], "probability": p}))
    return pd.concat(parts, ignore_index=True)


def test_each_metric_is_scikit_learns(predictions):
    y, p = predictions["outcome"].to_numpy(), predictions["probability"].to_numpy()
    assert metrics.auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert metrics.brier(y, p) == pytest.approx(brier_score_loss(y, p), abs=1e-15)
    assert metrics.log_loss(y, p) == pytest.approx(sk_log_loss(y, p), abs=1e-12)


def test_top_k_is_counted_within_each_year_with_ties_broken_by_country_code():
    frame = pd.DataFrame({"ccode": [5, 3, 9, 1], "outcome": [1, 0, 1, 0],
                          "probability": [0.5, 0.5, 0.9, 0.1]})
    # 9 first, then the tie 0.5 broken by code: 3 before 5
    assert metrics.top_k(frame["outcome"].to_numpy(), frame["probability"].to_numpy(),
                         frame["ccode"].to_numpy(), 2) == 1
    two = pd.concat([frame.assign(base_year=2000), frame.assign(base_year=2001)])
    assert metrics.top_k_per_year(two, 2) == 2  # 1 per year, not the pooled top 2
    s = metrics.score(two)
    assert (s["onsets"], s["top10"], s["recall_top30"]) == (4, 4, 1.0)


def test_scores_are_none_where_undefined():
    frame = pd.DataFrame({"ccode": [1, 2], "outcome": [0, 0], "probability": [0.2, 0.1]})
    s = metrics.score(frame)
    assert s["auc"] is None and s["average_precision"] is None and s["recall_top30"] is None
    assert s["brier"] == pytest.approx(0.025)


def test_comparisons_pair_the_draws(predictions):
    models = ("a", "b")
    over_years = metrics.versus_over_years(predictions, "a", models, [2000, 2001, 2002],
                                           n_boot=200, seed=1)
    pooled = metrics.pooled(predictions, models)
    d = over_years["b"]
    assert set(over_years) == {"b"}
    assert d["auc_diff"] == pytest.approx(pooled["b"]["auc"] - pooled["a"]["auc"])
    assert d["top30_diff"] == pooled["b"]["top30"] - pooled["a"]["top30"]
    assert d["auc_diff_90"][0] <= d["auc_diff_90"][1] and 0 <= d["p_beats_both"] <= 1
    assert metrics.versus_over_years(predictions, "a", models, [2000], n_boot=10, seed=1) == {}
    one = predictions[predictions["base_year"] == 2000]
    by_country = metrics.versus_over_countries(one, "a", models, n_boot=200, seed=1)
    assert "p_beats_both" not in by_country["b"]
    # a model compared with itself differs by nothing in every draw
    same = pd.concat([one[one["model"] == "a"], one[one["model"] == "a"].assign(model="c")])
    d = metrics.versus_over_countries(same, "a", ("a", "c"), n_boot=50, seed=1)["c"]
    assert d["auc_diff"] == 0 and d["auc_diff_90"] == [0, 0] and d["top30_diff_90"] == [0, 0]
