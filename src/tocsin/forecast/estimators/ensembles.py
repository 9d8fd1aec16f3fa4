"""Ensembles: the members' log-odds averaged and calibrated on out-of-fold predictions.

The members' fits can be shared with other models fitted on the same rows (the
backtest fits ewp, gbm and rank once per base year for themselves and for both
ensembles), through a cache keyed by each member's class and full parameters.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from tocsin.forecast.estimators.common import SEED, OnsetClassifier, logit, sigmoid, two_columns
from tocsin.forecast.estimators.glmnet import ElasticNetLogit
from tocsin.forecast.estimators.trees import BoostedTrees, RankBoostedTrees


def params_key(model) -> tuple:
    """A model's class and every parameter, in full: two models with the same key fit
    identically (the estimators are deterministic)."""
    return (type(model).__qualname__,
            tuple((name, _frozen(v)) for name, v in model.get_params(deep=False).items()))


def _frozen(value):
    if hasattr(value, "get_params") and not isinstance(value, type):
        return params_key(value)
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return repr(value)


def fit_shared(model, X, y, cache: dict):
    """``model`` fitted on ``X, y`` (a clone: ``model`` itself is left unfitted), or the
    identical fit already in ``cache``, which must only hold fits on these rows."""
    key = ("fit", params_key(model))
    if key not in cache:
        cache[key] = clone(model).fit(X, y)
    return cache[key]


class CalibratedEnsemble(OnsetClassifier):
    """Members combined in log-odds and calibrated: P = sigmoid(a + sum_k w_k * logit_k).

    ``combine="mean"`` (default): the members' log-odds are averaged and the average
    is calibrated by a logistic fit (Platt scaling), so w_k = b/K. ``combine="stack"``
    fits one weight per member instead; on 1975-1994 (and in the first test run, see
    docs/forecast.md) it gave the elastic net a *negative* weight - the two members'
    log-odds are strongly correlated - which is overfitting, so it is not the default.
    The calibration is fitted on out-of-fold predictions (``cv``
    stratified folds of the training rows), never on the rows it is applied to.
    Each member's tuned hyper-parameters (the elastic net's lambda) are fixed at
    their full-data value inside those folds, to keep the cost at ``cv+1`` fits.
    Because the stack is linear in log-odds, the members' contributions add up to
    the ensemble's exactly. ``members=None`` means :meth:`default_members`.
    """

    def __init__(self, *, members=None, combine: str = "mean", cv: int = 5, C: float = 1.0,
                 random_state: int = SEED):
        self.members = members
        self.combine = combine
        self.cv = cv
        self.C = C
        self.random_state = random_state

    @staticmethod
    def default_members() -> list:
        return [ElasticNetLogit(), BoostedTrees()]

    @property
    def features(self):
        out = []
        for m in self.members_:
            out.extend(f for f in m.features if f not in out)
        return tuple(out)

    def fit(self, X, y, cache: dict | None = None):
        """Fit the members and the calibration.

        ``cache`` (optional, a dict) shares work between models fitted on the *same*
        ``X, y`` (the backtest fits ensemble and rank-ensemble on one fold): member
        fits (see :func:`fit_shared`) and out-of-fold predictions are keyed by the
        member's full parameters, so a cached value is exactly what a fresh fit would
        give.
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        y = np.asarray(y, dtype="float64")
        cache = {} if cache is None else cache
        members = self.default_members() if self.members is None else list(self.members)
        self.members_ = [fit_shared(m, X, y, cache) for m in members]
        oof = np.zeros((len(y), len(self.members_)))
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        for i, (tr, te) in enumerate(folds.split(np.zeros(len(y)), y)):
            for k, fitted in enumerate(self.members_):
                m = clone(fitted).set_params(**fitted.tuned_params_)
                key = ("oof", params_key(m), self.cv, self.random_state, i)
                if key not in cache:
                    m.fit(X.iloc[tr], y[tr])
                    cache[key] = logit(m.predict_proba(X.iloc[te])[:, 1])
                oof[te, k] = cache[key]
        if self.combine == "stack":
            stack = LogisticRegression(C=self.C).fit(oof, y.astype(int))
            self.weights_ = stack.coef_[0].astype(float)
        elif self.combine == "mean":
            # average the members' log-odds, then calibrate that average (Platt)
            k = len(self.members_)
            stack = LogisticRegression(C=self.C).fit(oof.mean(axis=1, keepdims=True),
                                                     y.astype(int))
            self.weights_ = np.full(k, float(stack.coef_[0, 0]) / k)
        else:
            raise ValueError("combine must be 'mean' or 'stack'")
        self.intercept_ = float(stack.intercept_[0])
        return self

    def member_logits(self, X):
        return np.column_stack([logit(m.predict_proba(X)[:, 1]) for m in self.members_])

    def decision_function(self, X):
        return self.intercept_ + self.member_logits(X) @ self.weights_

    def predict_proba(self, X):
        return two_columns(sigmoid(self.decision_function(X)))

    def contributions(self, X):
        import pandas as pd

        total = pd.DataFrame(0.0, index=X.index, columns=list(self.features))
        base = np.full(len(X), self.intercept_)
        for w, m in zip(self.weights_, self.members_, strict=True):
            c, b = m.contributions(X)
            total[c.columns] += w * c
            base = base + w * b
        return total, base

    def to_dict(self, member_to_dict):
        """The JSON form; ``member_to_dict`` writes a member (the registry's
        ``model_to_dict``, which knows every kind)."""
        return {"params": {"combine": self.combine, "cv": self.cv, "C": self.C,
                           "random_state": self.random_state},
                "weights": self.weights_.tolist(), "intercept": self.intercept_,
                "members": [member_to_dict(m) for m in self.members_]}

    @classmethod
    def from_dict(cls, d, member_from_dict):
        members = [member_from_dict(x) for x in d["members"]]
        m = cls(members=[clone(x) for x in members], **d["params"])
        m.members_ = members
        m.weights_ = np.array(d["weights"])
        m.intercept_ = float(d["intercept"])
        return m


class RankEnsemble(CalibratedEnsemble):
    """The calibrated mean of ewp, gbm and rank log-odds (``CalibratedEnsemble`` with a
    third, rank-aware member); second-round candidate, see docs/forecast.md."""

    @staticmethod
    def default_members() -> list:
        return [ElasticNetLogit(), BoostedTrees(), RankBoostedTrees()]
