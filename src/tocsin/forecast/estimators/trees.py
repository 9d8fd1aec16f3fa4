"""LightGBM models: gradient-boosted trees (gbm) and trees that rank within a year (rank).

Rare events (about 120-200 positives in a training set): the trees are small (8
leaves), need at least 80 rows per leaf, learn slowly with row and column
subsampling and an L2 penalty, and their settings were picked on base years
1975-1994 only (see docs/forecast.md).
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from tocsin.forecast.estimators.common import (
    SEED,
    OnsetClassifier,
    params_doc,
    sigmoid,
    two_columns,
)
from tocsin.forecast.panel import EWP_PREDICTORS

# Trees cannot extrapolate a time trend: a split on year puts every future year in
# the last leaf. The base rate's one known break (non-state episodes coded from
# 1989) is kept through ``includesnonstate``.
TREE_PREDICTORS = tuple(f for f in EWP_PREDICTORS if f not in ("year", "year_sq"))


class BoostedTrees(OnsetClassifier):
    """LightGBM gradient-boosted trees, regularised for ~150 positives.

    Defaults were chosen on base years 1975-1994 only (a small grid over leaves,
    trees and rows per leaf; docs/forecast.md), never on the 1995-2014 test years:
    8 leaves, 150 trees at learning rate 0.02, at least 80 rows per leaf, 70% of
    rows and of predictors per tree, L2 penalty 5; the log-odds of 5 boosters with
    consecutive seeds are averaged (on 1975-1994 single seeds ranged 0.707-0.718 in
    AUC and 37-41 in top-30 onsets). NaN predictors are routed natively by each
    split. One thread and LightGBM's deterministic mode, so a fit is reproducible
    bit for bit.
    """

    def __init__(self, *, features=TREE_PREDICTORS, n_estimators: int = 150,
                 learning_rate: float = 0.02, num_leaves: int = 8, min_child_samples: int = 80,
                 subsample: float = 0.7, colsample: float = 0.7, reg_lambda: float = 5.0,
                 n_seeds: int = 5, random_state: int = SEED):
        self.features = features
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample = colsample
        self.reg_lambda = reg_lambda
        self.n_seeds = n_seeds
        self.random_state = random_state

    def _lgb_params(self, seed):
        if (self.num_leaves < 2 or self.n_estimators < 1 or not 0 < self.learning_rate <= 1
                or self.n_seeds < 1):
            raise ValueError("need num_leaves >= 2, n_estimators >= 1, n_seeds >= 1, "
                             "0 < learning_rate <= 1")
        return {
            "objective": "binary", "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves, "min_data_in_leaf": self.min_child_samples,
            "bagging_fraction": self.subsample, "bagging_freq": 1,
            "feature_fraction": self.colsample, "lambda_l2": self.reg_lambda,
            "seed": seed, "deterministic": True, "force_row_wise": True,
            "num_threads": 1, "verbose": -1,
        }

    def fit(self, X, y):
        self.boosters_ = self._train(self._matrix(X), np.asarray(y, dtype="float64"))
        return self

    def _train(self, A, label, group_sizes=None) -> list:
        """``n_seeds`` boosters on the matrix ``A`` (query groups for ranking objectives).

        n_seeds > 1 averages boosters that differ only in their row/column subsamples:
        with so few onsets, one booster's ranking depends visibly on its seed.
        """
        import lightgbm as lgb

        names = [f.replace(".", "_") for f in self.features]
        boosters = []
        for i in range(self.n_seeds):
            data = lgb.Dataset(A, label=label, group=group_sizes, feature_name=names,
                               free_raw_data=True)
            boosters.append(lgb.train(self._lgb_params(self.random_state + i), data,
                                      num_boost_round=self.n_estimators))
        return boosters

    def _raw(self, boosters, X):
        """The boosters' mean raw score."""
        A = self._matrix(X)
        return np.mean([b.predict(A, raw_score=True) for b in boosters], axis=0)

    def _shap(self, X):
        """The boosters' mean TreeSHAP values: (per predictor, baseline)."""
        A = self._matrix(X)
        c = np.mean([b.predict(A, pred_contrib=True) for b in self.boosters_], axis=0)
        return c[:, :-1], c[:, -1]

    @property
    def tuned_params_(self):
        """What fit chose, as parameters: nothing, the settings are fixed."""
        check_is_fitted(self, "boosters_")
        return {}

    def decision_function(self, X):
        return self._raw(self.boosters_, X)

    def predict_proba(self, X):
        return two_columns(sigmoid(self.decision_function(X)))

    def contributions(self, X):
        """TreeSHAP values (LightGBM's ``pred_contrib``), in log-odds."""
        import pandas as pd

        c, base = self._shap(X)
        return pd.DataFrame(c, columns=list(self.features), index=X.index), base

    def to_dict(self):
        return {"params": params_doc(self),
                "boosters": [b.model_to_string() for b in self.boosters_]}

    @classmethod
    def from_dict(cls, d):
        import lightgbm as lgb

        m = cls(**d["params"])
        m.boosters_ = [lgb.Booster(model_str=text) for text in d["boosters"]]
        return m


class RankBoostedTrees(BoostedTrees):
    """LightGBM learning to rank the countries *within* each year, then calibrated.

    Top-30 recall is a within-year measure, while ``BoostedTrees`` fits pooled
    country-years (much of what it learns is which years have many onsets). This
    model uses the ``lambdarank`` objective with one query group per year of the
    training rows (column ``group``), label = onset, NDCG truncated at ``truncation``
    (30: the yearly list that is scored), and otherwise gbm's tree settings, 5 seeds
    averaged. Ranking scores are not probabilities: a Platt fit (logistic regression
    of the outcome on the score) on ``cv``-fold out-of-fold scores of the training
    rows maps them to log-odds ``a + b * score``. ``platt`` fixes (a, b) instead
    (what the ensemble's inner folds do, as they fix the elastic net's lambda).
    Contributions are TreeSHAP values of the score times ``b``, plus ``a`` in the
    baseline, so they add up to the calibrated log-odds exactly.
    """

    def __init__(self, *, features=TREE_PREDICTORS, n_estimators: int = 150,
                 learning_rate: float = 0.02, num_leaves: int = 8, min_child_samples: int = 80,
                 subsample: float = 0.7, colsample: float = 0.7, reg_lambda: float = 5.0,
                 n_seeds: int = 5, random_state: int = SEED, objective: str = "lambdarank",
                 truncation: int = 30, group: str = "year", cv: int = 5, platt=None):
        super().__init__(features=features, n_estimators=n_estimators,
                         learning_rate=learning_rate, num_leaves=num_leaves,
                         min_child_samples=min_child_samples, subsample=subsample,
                         colsample=colsample, reg_lambda=reg_lambda, n_seeds=n_seeds,
                         random_state=random_state)
        self.objective = objective
        self.truncation = truncation
        self.group = group
        self.cv = cv
        self.platt = platt

    def _lgb_params(self, seed):
        if self.objective not in ("lambdarank", "rank_xendcg"):
            raise ValueError("objective must be 'lambdarank' or 'rank_xendcg'")
        if self.truncation < 1 or self.cv < 2:
            raise ValueError("need truncation >= 1 and cv >= 2")
        return {**super()._lgb_params(seed), "objective": self.objective,
                "lambdarank_truncation_level": self.truncation}

    def _boost(self, X, y):
        # a query group must be contiguous: sort by year (stable, so deterministic)
        order = np.argsort(X[self.group].to_numpy(), kind="stable")
        label = np.asarray(y, dtype="float64")[order].astype(int)
        _, sizes = np.unique(X[self.group].to_numpy()[order], return_counts=True)
        return self._train(self._matrix(X)[order], label, sizes)

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        y = np.asarray(y, dtype="float64")
        self.boosters_ = self._boost(X, y)
        if self.platt is not None:
            self.platt_ = tuple(float(v) for v in self.platt)
            return self
        oof = np.zeros(len(y))
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        for tr, te in folds.split(np.zeros(len(y)), y):
            oof[te] = self._raw(self._boost(X.iloc[tr], y[tr]), X.iloc[te])
        lr = LogisticRegression(C=1.0).fit(oof[:, None], y.astype(int))
        self.platt_ = (float(lr.intercept_[0]), float(lr.coef_[0, 0]))
        return self

    @property
    def tuned_params_(self):
        return {"platt": self.platt_}

    def decision_function(self, X):
        a, b = self.platt_
        return a + b * self._raw(self.boosters_, X)

    def contributions(self, X):
        """TreeSHAP values of the ranking score, scaled by the calibration slope."""
        import pandas as pd

        a, b = self.platt_
        c, base = self._shap(X)
        return pd.DataFrame(b * c, columns=list(self.features), index=X.index), a + b * base

    def to_dict(self):
        return {**super().to_dict(), "platt": list(self.platt_)}

    @classmethod
    def from_dict(cls, d):
        m = super().from_dict(d)
        m.platt_ = tuple(float(v) for v in d["platt"])
        return m
