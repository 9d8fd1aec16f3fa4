"""The estimators: a faithful EWP elastic net, reproducible trees, an additive ensemble."""

from __future__ import annotations

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
    """At the lambda chosen by CV, the solution meets the optimality (KKT) conditions of
    glmnet's objective: -loglik/N + lambda*(alpha*|b|_1 + (1-alpha)/2*|b|^2)."""
    train, y, _ = fold
    m = ElasticNetLogit().fit(train, y)
    X = train[list(EWP_PREDICTORS)].dropna()
    yy = train.loc[X.index, "mk_onset_1or2"].to_numpy()
    Z = (X.to_numpy() - m.center_) / m.scale_
    p = 1 / (1 + np.exp(-(m.intercept_std_ + Z @ m.coef_std_)))
    lam, a, b = m.chosen_lambda_, m.alpha, m.coef_std_
    grad = Z.T @ (yy - p) / len(yy) - lam * (1 - a) * b  # minus the smooth part's gradient
    on = b != 0  # within 1% of the penalty: the IRLS stops at a glmnet-like tolerance
    np.testing.assert_allclose(grad[on], lam * a * np.sign(b[on]), atol=1e-2 * lam)
    assert np.all(np.abs(grad[~on]) <= lam * a * (1 + 1e-2))
    assert abs(np.mean(yy - p)) < 1e-6  # the free intercept
    assert m.n_dropped_ == len(train) - len(X)  # EWP drops incomplete rows
    assert 0 < np.count_nonzero(b) < 39  # the l1 part does select


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
    # small members keep the test quick; the default ensemble is the same code
    members = [ElasticNetLogit(lambda_=0.003), BoostedTrees(n_seeds=1)]
    ens = CalibratedEnsemble(members=members).fit(train, y)
    p = ens.predict_proba(test)[:, 1]
    # its members are exactly the standalone fits (the backtest relies on this)
    np.testing.assert_array_equal(ens.members_[1].predict_proba(test)[:, 1],
                                  BoostedTrees(n_seeds=1).fit(train, y).predict_proba(test)[:, 1])
    # explanations add up to the ensemble's log-odds
    contrib, base = ens.contributions(test)
    np.testing.assert_allclose(contrib.sum(axis=1) + base, np.log(p / (1 - p)), atol=1e-8)
    # calibrated in the large on its training rows: mean prediction near the base rate
    assert abs(ens.predict_proba(train)[:, 1].mean() - y.mean()) < 0.01
    # the JSON form rebuilds the same model
    again = model_from_dict(model_to_dict(ens))
    np.testing.assert_allclose(again.predict_proba(test)[:, 1], p, rtol=1e-12)
