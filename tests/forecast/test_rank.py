"""The rank-aware candidates: LambdaRank trees calibrated by Platt, and the 3-member ensemble."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone

from tocsin.forecast.estimators import (
    BoostedTrees,
    ElasticNetLogit,
    RankBoostedTrees,
    RankEnsemble,
    model_from_dict,
    model_to_dict,
)
from tocsin.forecast.panel import TARGETS, evaluation_rows, training_rows

SMALL = {"n_seeds": 2, "n_estimators": 40}  # quick; the defaults are the same code


@pytest.fixture(scope="module")
def fold(panel):
    t = TARGETS["1or2"]
    train = training_rows(panel, 2010, t)
    return train, train[t.column].to_numpy(), evaluation_rows(panel, 2010, t)


@pytest.fixture(scope="module")
def rank(fold):
    train, y, _ = fold
    return RankBoostedTrees(**SMALL).fit(train, y)


def test_rank_predicts_calibrated_probabilities_of_the_right_shape(rank, fold):
    train, y, test = fold
    p = rank.predict_proba(test)
    assert p.shape == (len(test), 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert ((p[:, 1] > 0) & (p[:, 1] < 1)).all()
    a, b = rank.platt_
    assert b > 0  # a higher ranking score means a higher risk
    # calibrated in the large on its training rows (Platt on out-of-fold scores)
    assert abs(rank.predict_proba(train)[:, 1].mean() - y.mean()) < 0.01
    # it ranks: onsets of the held-out year sit above the median
    risk = p[:, 1]
    onset = test["mk_onset_1or2"].to_numpy() == 1
    assert np.median(risk[onset]) > np.median(risk)


def test_rank_is_deterministic_with_a_seed_and_seeds_matter(rank, fold):
    train, y, test = fold
    again = RankBoostedTrees(**SMALL).fit(train, y)
    assert np.array_equal(again.predict_proba(test), rank.predict_proba(test))
    other = RankBoostedTrees(**SMALL, random_state=7).fit(train, y)
    assert not np.array_equal(other.predict_proba(test), rank.predict_proba(test))


def test_rank_groups_rows_by_year(rank, fold):
    # the query groups are the years: rows given with the years in another order (each
    # year's rows in the same order) give the same boosters. (The Platt fit's folds
    # follow the row order, like the ensemble's, so only the scores are compared.)
    train, y, test = fold
    order = np.lexsort((np.arange(len(train)), -train["year"].to_numpy()))
    m = RankBoostedTrees(**SMALL, platt=rank.platt_).fit(train.iloc[order], y[order])
    np.testing.assert_array_equal(m.predict_proba(test), rank.predict_proba(test))


def test_rank_explanations_add_up_to_the_calibrated_log_odds(rank, fold):
    _, _, test = fold
    contrib, base = rank.contributions(test)
    p = rank.predict_proba(test)[:, 1]
    np.testing.assert_allclose(contrib.to_numpy().sum(axis=1) + base, np.log(p / (1 - p)),
                               atol=1e-8)
    assert "year" not in contrib.columns  # no time trend for trees


def test_rank_round_trips_through_json(rank, fold):
    _, _, test = fold
    doc = json.loads(json.dumps(model_to_dict(rank)))
    assert doc["kind"] == "rank" and doc["params"]["objective"] == "lambdarank"
    assert doc["params"]["truncation"] == 30 and len(doc["platt"]) == 2
    again = model_from_dict(doc)
    np.testing.assert_array_equal(again.predict_proba(test), rank.predict_proba(test))


def test_fixed_platt_skips_the_inner_folds(rank, fold):
    train, y, test = fold
    fixed = clone(rank).set_params(**rank.tuned_params_).fit(train, y)
    assert fixed.platt_ == rank.platt_
    np.testing.assert_array_equal(fixed.predict_proba(test), rank.predict_proba(test))


def test_bad_parameters_are_refused(fold):
    train, y, _ = fold
    with pytest.raises(ValueError, match="objective"):
        RankBoostedTrees(objective="binary", **SMALL).fit(train, y)


def test_rank_ensemble_is_additive_and_round_trips(fold):
    train, y, test = fold
    members = [ElasticNetLogit(fixed_lambda=0.003), BoostedTrees(n_seeds=1),
               RankBoostedTrees(**SMALL)]
    cache = {}
    ens = RankEnsemble(members=members).fit(train, y, cache=cache)
    p = ens.predict_proba(test)[:, 1]
    assert len(ens.weights_) == 3 and np.allclose(ens.weights_, ens.weights_[0])
    contrib, base = ens.contributions(test)
    np.testing.assert_allclose(contrib.to_numpy().sum(axis=1) + base, np.log(p / (1 - p)),
                               atol=1e-8)
    # a shared cache gives exactly what a fresh fit gives (the backtest relies on it)
    fresh = RankEnsemble(members=members).fit(train, y)
    np.testing.assert_array_equal(fresh.predict_proba(test)[:, 1], p)
    doc = json.loads(json.dumps(model_to_dict(ens)))
    assert doc["kind"] == "rank-ensemble"
    assert [m["kind"] for m in doc["members"]] == ["ewp", "gbm", "rank"]
    np.testing.assert_allclose(model_from_dict(doc).predict_proba(test)[:, 1], p, rtol=1e-12)


def test_model_file_versions(rank, tmp_path):
    """New kinds are written as format 2; older kinds stay format 1 and still load."""
    from tocsin.errors import InputError
    from tocsin.forecast.modelfile import load_model, save_model

    info = {"target": TARGETS["1or2"], "base_year": 2010, "train_until": 2008,
            "train_rows": 1, "train_years": [1960, 2008], "train_onsets": 1,
            "data_file": "x.csv", "data_sha256": "0" * 64}
    path = tmp_path / "rank.json"
    save_model(path, rank, **info)
    assert json.loads(path.read_text())["format_version"] == 2
    model, header = load_model(path)
    assert isinstance(model, RankBoostedTrees) and header["model"]["kind"] == "rank"

    from tocsin.forecast.estimators import NoSkill

    old = tmp_path / "old.json"
    save_model(old, NoSkill().fit(__import__("pandas").DataFrame(
        {"mk_ongoing_count_log2": [0.0, 1.0, 0.0, 1.0]}), [0, 1, 0, 0]), **info)
    assert json.loads(old.read_text())["format_version"] == 1
    assert isinstance(load_model(old)[0], NoSkill)

    doc = json.loads(path.read_text())
    doc["model"]["kind"] = "magic"
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps(doc))
    with pytest.raises(InputError, match="model kind 'magic' is not one this Tocsin knows"):
        load_model(unknown)
