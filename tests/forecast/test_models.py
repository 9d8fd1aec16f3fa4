"""The estimators: a faithful EWP elastic net, reproducible trees, an additive ensemble."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tocsin.forecast.models import (
    BoostedTrees,
    CalibratedEnsemble,
    ElasticNetLogit,
    NoSkill,
    model_from_dict,
    model_to_dict,
)
from tocsin.forecast.panel import EWP_PREDICTORS, TARGETS, evaluation_rows, training_rows


@pytest.fixture(scope="module")
def fold(panel):
    t = TARGETS["1or2"]
    train = training_rows(panel, 2010, t)
    return train, train[t.column].to_numpy(), evaluation_rows(panel, 2010, t)


def test_elastic_net_solves_glmnets_objective(fold):
    """At the lambda chosen by CV, our path solver agrees with scikit-learn's saga."""
    from sklearn.linear_model import LogisticRegression

    train, y, _ = fold
    ours = ElasticNetLogit().fit(train, y)
    X = train[list(EWP_PREDICTORS)].dropna()
    yy = train.loc[X.index, "mk_onset_1or2"].to_numpy().astype(int)
    Z = (X.to_numpy() - ours.center_) / ours.scale_
    # glmnet's lambda penalises the mean loss; sklearn's C multiplies the summed loss
    C = 1.0 / (len(yy) * ours.chosen_lambda_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(C=C, l1_ratio=0.5, solver="saga", max_iter=20000,
                                 tol=1e-10).fit(Z, yy)
    np.testing.assert_allclose(ours.coef_std_, ref.coef_[0], atol=2e-3)
    assert 0 < np.count_nonzero(ours.coef_std_) < 39  # the l1 part does select


def test_trees_are_reproducible_and_handle_missing_values(fold):
    train, y, test = fold
    a = BoostedTrees().fit(train, y).predict_proba(test)[:, 1]
    b = BoostedTrees().fit(train, y).predict_proba(test)[:, 1]
    assert np.array_equal(a, b)
    gappy = test.copy()
    gappy["gdppcgrowth"] = np.nan  # NaN goes down the trees' learnt default branch
    assert np.isfinite(BoostedTrees().fit(train, y).predict_proba(gappy)).all()


def test_no_skill_uses_ongoing_status_only(fold):
    train, y, test = fold
    m = NoSkill().fit(train, y)
    p = m.predict_proba(test)[:, 1]
    assert len(np.unique(p)) == 2
    assert m.rates_[1] > m.rates_[0]  # an ongoing killing raises the onset rate


def test_ensemble_is_additive_calibrated_and_round_trips(fold):
    train, y, test = fold
    ens = CalibratedEnsemble().fit(train, y)
    p = ens.predict_proba(test)[:, 1]
    # its members are exactly the standalone fits (the backtest relies on this)
    np.testing.assert_array_equal(ens.members_[1].predict_proba(test)[:, 1],
                                  BoostedTrees().fit(train, y).predict_proba(test)[:, 1])
    # explanations add up to the ensemble's log-odds
    contrib, base = ens.contributions(test)
    np.testing.assert_allclose(contrib.sum(axis=1) + base, np.log(p / (1 - p)), atol=1e-8)
    # calibrated in the large on its training rows: mean prediction near the base rate
    assert abs(ens.predict_proba(train)[:, 1].mean() - y.mean()) < 0.01
    # the JSON form rebuilds the same model
    again = model_from_dict(model_to_dict(ens))
    np.testing.assert_allclose(again.predict_proba(test)[:, 1], p, rtol=1e-12)
