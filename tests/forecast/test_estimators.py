"""The estimators: a faithful EWP elastic net, reproducible trees, an additive ensemble,
scikit-learn's conventions, and the model file's form."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from tocsin.forecast.estimators import (
    MODELS,
    BoostedTrees,
    CalibratedEnsemble,
    ElasticNetLogit,
    NoSkill,
    RankBoostedTrees,
    make_model,
    model_from_dict,
    model_to_dict,
    params_key,
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
    members = [ElasticNetLogit(fixed_lambda=0.003), BoostedTrees(n_seeds=1)]
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


@pytest.mark.parametrize("kind", list(MODELS))
def test_every_model_follows_scikit_learns_conventions(kind):
    """Parameters are what the constructor stored, under the same names, none ending in
    ``_``; get_params / set_params / clone are scikit-learn's; fitted attributes only
    appear after fit."""
    model = make_model(kind)
    assert isinstance(model, BaseEstimator) and isinstance(model, ClassifierMixin)
    names = [p for p in inspect.signature(type(model).__init__).parameters if p != "self"]
    assert sorted(model.get_params(deep=False)) == sorted(names)
    assert not [n for n in names if n.endswith("_")]
    assert not [a for a in vars(model) if a.endswith("_")]  # nothing fitted yet
    copy = clone(model)
    assert type(copy) is type(model) and params_key(copy) == params_key(model)
    first = names[0]
    assert copy.set_params(**{first: "changed"}) is copy and getattr(copy, first) == "changed"
    assert getattr(model, first) != "changed"  # the clone is independent
    with pytest.raises(ValueError, match="Invalid parameter"):
        model.set_params(no_such_parameter=1)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)


def test_the_model_file_keeps_its_keys(fold):
    """The JSON form is a contract: the elastic net's fixed lambda is still ``lambda_``
    there, parameters come in the constructor's order, and a file so written loads."""
    train, y, test = fold
    m = ElasticNetLogit(fixed_lambda=0.003).fit(train, y)
    doc = json.loads(json.dumps(model_to_dict(m)))
    assert list(doc) == ["kind", "params", "center", "scale", "coef_std", "intercept_std",
                         "chosen_lambda", "n_dropped"]
    assert list(doc["params"]) == ["features", "alpha", "n_lambda", "lambda_min_ratio", "cv",
                                   "lambda_", "random_state"]
    assert doc["params"]["lambda_"] == 0.003
    again = model_from_dict(doc)
    assert again.fixed_lambda == 0.003
    np.testing.assert_array_equal(again.predict_proba(test), m.predict_proba(test))


def test_the_bundled_model_predicts_as_published():
    """``forecast/data/model-2024.json`` (written before the estimators were split into
    modules) loads and gives the forecast the README shows, to the 6 decimals written."""
    from importlib.resources import files

    from tocsin.forecast.modelfile import load_model
    from tocsin.forecast.workflow import predict

    base = files("tocsin.forecast").joinpath("data")
    model, header = load_model(Path(str(base.joinpath("model-2024.json"))))
    assert isinstance(model, RankBoostedTrees) and model.platt_ == tuple(model.platt_)
    table = predict(model, header, Path(str(base.joinpath("predictors-2024.csv"))), 2024)
    top = table.head(5)
    assert list(top["country"]) == ["MMR", "SDN", "SSD", "PAK", "IND"]
    assert list(top["probability"]) == [0.154879, 0.151051, 0.149468, 0.110659, 0.092303]
    assert top["up_1"].iloc[0] == "discrimpop=0.0605 (+0.48)"
