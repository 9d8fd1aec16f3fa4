"""Forecast models, each a scikit-learn-style estimator on a DataFrame of predictors.

* :class:`NoSkill` - last year's ongoing-killing status and its training-set onset rate.
* :class:`ElasticNetLogit` - EWP's model: elastic-net logistic regression (alpha 0.5),
  predictors standardised, lambda by 10-fold cross-validated binomial deviance
  ("lambda.min"), fitted along a glmnet-style lambda path.
* :class:`BoostedTrees` - LightGBM gradient-boosted trees; NaN handled natively.
* :class:`RankBoostedTrees` - LightGBM ranking the countries within each year
  (``lambdarank``, query groups = years), Platt-calibrated on out-of-fold scores.
* :class:`CalibratedEnsemble` - the members' mean log-odds, calibrated by a logistic
  fit on out-of-fold predictions; :class:`RankEnsemble` the same with ewp, gbm, rank.

Every estimator has ``fit(X, y)``, ``predict_proba(X)`` (two columns, like
scikit-learn), ``contributions(X)`` (per-predictor log-odds contributions, for
explanations) and ``to_dict()`` / ``from_dict()`` for the JSON model file (no pickle).

Rare events (about 120-200 positives in a training set): the elastic net is
shrunk by cross-validation; the trees are small (8 leaves), need at least 80
rows per leaf, learn slowly with row and column subsampling and an L2 penalty, and
their settings were picked on base years 1975-1994 only (see docs/forecast.md);
the ensemble's stack has two weights and an intercept.
"""

from __future__ import annotations

import math

import numpy as np

from tocsin.forecast.panel import EWP_PREDICTORS

SEED = 20240901  # one fixed seed for folds, subsampling and tie-breaking


def _logit(p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p) - np.log1p(-p)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _proba(p):
    p = np.asarray(p, dtype="float64")
    return np.column_stack([1 - p, p])


class _Base:
    """Parameters are the constructor's keyword arguments, as in scikit-learn."""

    _params: tuple[str, ...] = ()

    def get_params(self, deep: bool = False) -> dict:
        return {k: getattr(self, k) for k in self._params}

    def set_params(self, **params):
        for key, value in params.items():
            if key not in self._params:
                raise ValueError(f"{type(self).__name__} has no parameter {key!r}")
            setattr(self, key, value)
        return self

    def clone(self):
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _matrix(self, X):
        return X[list(self.features)].to_numpy(dtype="float64")

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


# --------------------------------------------------------------------------- no-skill
class NoSkill(_Base):
    """P(onset | ongoing killing in the base year) from training frequencies.

    "Last year's ongoing-killing status" is the status in the base year, the
    latest year known when the forecast is made. Rates are smoothed with half an
    onset per cell (Jeffreys) so a cell with no onsets does not give probability 0.
    """

    _params = ("column",)

    def __init__(self, column: str = "mk_ongoing_count_log2"):
        self.column = column

    @property
    def features(self):
        return (self.column,)

    def fit(self, X, y):
        on = X[self.column].to_numpy(dtype="float64") > 0
        y = np.asarray(y, dtype="float64")
        self.rates_ = [float((y[on == k].sum() + 0.5) / ((on == k).sum() + 1.0))
                       for k in (False, True)]
        return self

    def predict_proba(self, X):
        on = X[self.column].to_numpy(dtype="float64") > 0
        return _proba(np.where(on, self.rates_[1], self.rates_[0]))

    def contributions(self, X):
        import pandas as pd

        p = self.predict_proba(X)[:, 1]
        base = _logit(np.array(sum(self.rates_) / 2))
        return pd.DataFrame({self.column: _logit(p) - base}, index=X.index), np.full(len(X), base)

    def to_dict(self):
        return {"params": self.get_params(), "rates": self.rates_}

    @classmethod
    def from_dict(cls, d):
        m = cls(**d["params"])
        m.rates_ = list(d["rates"])
        return m


# --------------------------------------------------------------------------- elastic net
def _enet_path(X, y, lambdas, alpha, beta=None, b0=None, tol=1e-7, max_irls=50, fdev=1e-5):
    """Elastic-net logistic regression along ``lambdas`` (decreasing), glmnet's objective.

    Minimises -loglik/N + lambda * (alpha*|b|_1 + (1-alpha)/2*|b|_2^2) on standardised
    ``X`` by iteratively reweighted least squares with coordinate descent on the
    weighted Gram matrix (p is small, N is a few thousand). Returns
    (intercepts, coefficients) for every lambda reached, warm-starting each from the
    last. Like glmnet, the path stops early once the explained deviance grows by less
    than ``fdev`` (relative) from one lambda to the next, or passes 0.999: the rest of
    the path would fit noise, and near-collinear predictors (year, year_sq) make it slow.
    """
    n, p = X.shape
    beta = np.zeros(p) if beta is None else beta.copy()
    ybar = y.mean()
    b0 = _logit(ybar) if b0 is None else b0
    intercepts = np.empty(len(lambdas))
    coefs = np.empty((len(lambdas), p))
    null_dev = _deviance(y, np.full(n, _logit(ybar))).sum()
    prev_ratio = 0.0
    for k, lam in enumerate(lambdas):
        l1, l2 = lam * alpha, lam * (1 - alpha)
        for _ in range(max_irls):
            eta = b0 + X @ beta
            mu = _sigmoid(eta)
            w = np.maximum(mu * (1 - mu), 1e-5)
            z = eta + (y - mu) / w
            v = w / n
            sv = v.sum()
            xbar = (v @ X) / sv
            zbar = (v @ z) / sv
            Xc = X - xbar
            H = Xc.T @ (Xc * v[:, None])
            g = Xc.T @ (v * (z - zbar))
            old = beta.copy()
            beta = _quadratic_enet(H + l2 * np.eye(p), g, l1, beta, tol)
            b0 = zbar - xbar @ beta
            if np.max(np.diag(H) * (beta - old) ** 2) < tol:
                break
        intercepts[k] = b0
        coefs[k] = beta
        ratio = 1 - _deviance(y, b0 + X @ beta).sum() / null_dev
        if k > 0 and (ratio - prev_ratio < fdev * ratio or ratio > 0.999):
            return intercepts[: k + 1], coefs[: k + 1]
        prev_ratio = ratio
    return intercepts, coefs


def _quadratic_enet(M, g, l1, beta, tol, max_sweeps=2000):
    """Minimise b'Mb/2 - g'b + l1*|b|_1 by coordinate descent, finishing exactly.

    Plain coordinate descent crawls when predictors are nearly collinear (year and
    year_sq). So every few sweeps we guess the solution from the current support and
    signs, solve the linear system on that support, and stop if the guess meets the
    optimality conditions (signs agree; |gradient| <= l1 off the support).
    """
    p = len(g)
    beta = beta.copy()
    diag = np.diag(M)
    q = g - M @ beta
    for sweep in range(max_sweeps):
        max_step = 0.0
        for j in range(p):
            bj = beta[j]
            r = q[j] + diag[j] * bj
            new = math.copysign(max(abs(r) - l1, 0.0), r) / diag[j]
            d = new - bj
            if d != 0.0:
                beta[j] = new
                q -= M[:, j] * d
                max_step = max(max_step, diag[j] * d * d)
        if max_step < tol:
            return beta
        if sweep % 3 == 2:
            active = beta != 0
            signs = np.sign(beta[active])
            try:
                b_active = np.linalg.solve(M[np.ix_(active, active)], g[active] - l1 * signs)
            except np.linalg.LinAlgError:
                continue
            if np.all(np.sign(b_active) == signs):
                guess = np.zeros(p)
                guess[active] = b_active
                grad = g - M @ guess
                if np.all(np.abs(grad[~active]) <= l1 * (1 + 1e-9) + 1e-12):
                    return guess
    return beta


def _deviance(y, eta):
    # binomial deviance per row, as glmnet's cv "deviance"
    return -2 * (y * eta - np.logaddexp(0, eta))


class ElasticNetLogit(_Base):
    """EWP's model: elastic-net logistic regression, lambda by K-fold CV deviance.

    Parameters (defaults are EWP's glmnet settings):
    alpha=0.5 (the l1 share), n_lambda=100, lambda_min_ratio=1e-4 (glmnet's value when
    rows outnumber predictors), cv=10 folds on binomial deviance, lambda.min;
    lambda_ fixes lambda and skips the CV; random_state seeds the folds.

    Missing values: rows with any missing predictor are dropped from training (EWP
    drops them too); at prediction time a missing predictor takes its training mean,
    so it contributes nothing. Folds are stratified on the outcome (glmnet's are
    random); with ~150 positives in 10 folds this keeps every fold scoreable.
    """

    _params = ("features", "alpha", "n_lambda", "lambda_min_ratio", "cv", "lambda_",
               "random_state")

    def __init__(self, features=EWP_PREDICTORS, alpha: float = 0.5, n_lambda: int = 100,
                 lambda_min_ratio: float = 1e-4, cv: int = 10, lambda_: float | None = None,
                 random_state: int = SEED):
        self.features = tuple(features)
        self.alpha = alpha
        self.n_lambda = n_lambda
        self.lambda_min_ratio = lambda_min_ratio
        self.cv = cv
        self.lambda_ = lambda_
        self.random_state = random_state

    def _validate(self):
        if not 0 < self.alpha <= 1:
            raise ValueError("alpha must be in (0, 1]")
        if self.n_lambda < 2 or self.cv < 3:
            raise ValueError("n_lambda must be >= 2 and cv >= 3")

    def fit(self, X, y):
        from sklearn.model_selection import StratifiedKFold

        self._validate()
        A = self._matrix(X)
        y = np.asarray(y, dtype="float64")
        keep = ~np.isnan(A).any(axis=1)
        A, y = A[keep], y[keep]
        self.n_dropped_ = int((~keep).sum())
        self.center_ = A.mean(axis=0)
        scale = A.std(axis=0)  # glmnet standardises with the 1/N variance
        self.scale_ = np.where(scale > 0, scale, 1.0)
        Z = (A - self.center_) / self.scale_
        n = len(y)
        lam_max = np.max(np.abs(Z.T @ (y - y.mean()))) / (n * self.alpha)
        if self.lambda_ is not None:
            lambdas = np.array([self.lambda_])
            if self.lambda_ < lam_max:  # walk down to it: warm starts keep IRLS stable
                lambdas = np.r_[np.geomspace(lam_max, self.lambda_, 20)[:-1], self.lambda_]
            self.chosen_lambda_ = float(self.lambda_)
        else:
            lambdas = lam_max * np.geomspace(1.0, self.lambda_min_ratio, self.n_lambda)
            folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
            # glmnet: the full-data path fixes the lambdas; each fold fits along them, and
            # only lambdas every fold reached are compared.
            b0s, bs = _enet_path(Z, y, lambdas, self.alpha)
            lambdas = lambdas[: len(b0s)]
            dev = []
            for tr, te in folds.split(Z, y):
                fb0, fb = _enet_path(Z[tr], y[tr], lambdas, self.alpha)
                eta = fb0[None, :] + Z[te] @ fb.T
                dev.append(_deviance(y[te][:, None], eta).mean(axis=0))
            reach = min(len(d) for d in dev)
            self.cv_deviance_ = np.mean([d[:reach] for d in dev], axis=0)
            best = int(np.argmin(self.cv_deviance_))
            self.chosen_lambda_ = float(lambdas[best])
            self.intercept_std_ = float(b0s[best])
            self.coef_std_ = bs[best]
            return self
        b0s, bs = _enet_path(Z, y, lambdas, self.alpha, fdev=0.0)
        self.intercept_std_ = float(b0s[-1])
        self.coef_std_ = bs[-1]
        return self

    @property
    def tuned_params_(self):
        return {"lambda_": self.chosen_lambda_}

    def _z(self, X):
        A = self._matrix(X)
        A = np.where(np.isnan(A), self.center_, A)
        return (A - self.center_) / self.scale_

    def decision_function(self, X):
        return self.intercept_std_ + self._z(X) @ self.coef_std_

    def predict_proba(self, X):
        return _proba(_sigmoid(self.decision_function(X)))

    def contributions(self, X):
        """Log-odds contribution of each predictor against the training mean row."""
        import pandas as pd

        c = self._z(X) * self.coef_std_
        return (pd.DataFrame(c, columns=list(self.features), index=X.index),
                np.full(len(X), self.intercept_std_))

    def to_dict(self):
        return {"params": {**self.get_params(), "features": list(self.features)},
                "center": self.center_.tolist(), "scale": self.scale_.tolist(),
                "coef_std": self.coef_std_.tolist(), "intercept_std": self.intercept_std_,
                "chosen_lambda": self.chosen_lambda_, "n_dropped": self.n_dropped_}

    @classmethod
    def from_dict(cls, d):
        m = cls(**d["params"])
        m.center_ = np.array(d["center"])
        m.scale_ = np.array(d["scale"])
        m.coef_std_ = np.array(d["coef_std"])
        m.intercept_std_ = float(d["intercept_std"])
        m.chosen_lambda_ = float(d["chosen_lambda"])
        m.n_dropped_ = int(d["n_dropped"])
        return m


# --------------------------------------------------------------------------- boosted trees
# Trees cannot extrapolate a time trend: a split on year puts every future year in
# the last leaf. The base rate's one known break (non-state episodes coded from
# 1989) is kept through ``includesnonstate``.
TREE_PREDICTORS = tuple(f for f in EWP_PREDICTORS if f not in ("year", "year_sq"))


class BoostedTrees(_Base):
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

    _params = ("features", "n_estimators", "learning_rate", "num_leaves", "min_child_samples",
               "subsample", "colsample", "reg_lambda", "n_seeds", "random_state")

    def __init__(self, features=TREE_PREDICTORS, n_estimators: int = 150,
                 learning_rate: float = 0.02, num_leaves: int = 8, min_child_samples: int = 80,
                 subsample: float = 0.7, colsample: float = 0.7, reg_lambda: float = 5.0,
                 n_seeds: int = 5, random_state: int = SEED):
        self.features = tuple(features)
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
        return {}

    def decision_function(self, X):
        return self._raw(self.boosters_, X)

    def predict_proba(self, X):
        return _proba(_sigmoid(self.decision_function(X)))

    def contributions(self, X):
        """TreeSHAP values (LightGBM's ``pred_contrib``), in log-odds."""
        import pandas as pd

        c, base = self._shap(X)
        return pd.DataFrame(c, columns=list(self.features), index=X.index), base

    def to_dict(self):
        return {"params": {**self.get_params(), "features": list(self.features)},
                "boosters": [b.model_to_string() for b in self.boosters_]}

    @classmethod
    def from_dict(cls, d):
        import lightgbm as lgb

        m = cls(**d["params"])
        m.boosters_ = [lgb.Booster(model_str=text) for text in d["boosters"]]
        return m


# --------------------------------------------------------------------------- rank
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

    _params = (*BoostedTrees._params, "objective", "truncation", "group", "cv", "platt")

    def __init__(self, features=TREE_PREDICTORS, n_estimators: int = 150,
                 learning_rate: float = 0.02, num_leaves: int = 8, min_child_samples: int = 80,
                 subsample: float = 0.7, colsample: float = 0.7, reg_lambda: float = 5.0,
                 n_seeds: int = 5, random_state: int = SEED, objective: str = "lambdarank",
                 truncation: int = 30, group: str = "year", cv: int = 5, platt=None):
        super().__init__(features, n_estimators, learning_rate, num_leaves, min_child_samples,
                         subsample, colsample, reg_lambda, n_seeds, random_state)
        self.objective = objective
        self.truncation = truncation
        self.group = group
        self.cv = cv
        self.platt = None if platt is None else tuple(float(v) for v in platt)

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
            self.platt_ = self.platt
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


# --------------------------------------------------------------------------- ensemble
class CalibratedEnsemble(_Base):
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
    the ensemble's exactly.
    """

    _params = ("members", "combine", "cv", "C", "random_state")

    def __init__(self, members=None, combine: str = "mean", cv: int = 5, C: float = 1.0,
                 random_state: int = SEED):
        self.members = members
        self.combine = combine
        self.cv = cv
        self.C = C
        self.random_state = random_state

    def _members(self):
        return list(self.members) if self.members is not None else [ElasticNetLogit(),
                                                                     BoostedTrees()]

    @property
    def features(self):
        out = []
        for m in self.members_:
            out.extend(f for f in m.features if f not in out)
        return tuple(out)

    def fit(self, X, y, cache: dict | None = None):
        """Fit the members and the calibration.

        ``cache`` (optional, a dict) shares work between ensembles fitted on the *same*
        ``X, y`` (the backtest fits ensemble and rank-ensemble on one fold): member
        fits and out-of-fold predictions are keyed by the member's full parameters
        (its repr), so a cached value is exactly what a fresh fit would give.
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold

        y = np.asarray(y, dtype="float64")
        cache = {} if cache is None else cache
        self.members_ = []
        for m in self._members():
            key = ("fit", repr(m))
            if key not in cache:
                cache[key] = m.clone().fit(X, y)
            self.members_.append(cache[key])
        oof = np.zeros((len(y), len(self.members_)))
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        for i, (tr, te) in enumerate(folds.split(np.zeros(len(y)), y)):
            for k, fitted in enumerate(self.members_):
                m = fitted.clone().set_params(**fitted.tuned_params_)
                key = ("oof", repr(m), self.cv, self.random_state, i)
                if key not in cache:
                    m.fit(X.iloc[tr], y[tr])
                    cache[key] = _logit(m.predict_proba(X.iloc[te])[:, 1])
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
        return np.column_stack([_logit(m.predict_proba(X)[:, 1]) for m in self.members_])

    def decision_function(self, X):
        return self.intercept_ + self.member_logits(X) @ self.weights_

    def predict_proba(self, X):
        return _proba(_sigmoid(self.decision_function(X)))

    def contributions(self, X):
        import pandas as pd

        total = pd.DataFrame(0.0, index=X.index, columns=list(self.features))
        base = np.full(len(X), self.intercept_)
        for w, m in zip(self.weights_, self.members_, strict=True):
            c, b = m.contributions(X)
            total[c.columns] += w * c
            base = base + w * b
        return total, base

    def to_dict(self):
        return {"params": {"combine": self.combine, "cv": self.cv, "C": self.C,
                           "random_state": self.random_state},
                "weights": self.weights_.tolist(), "intercept": self.intercept_,
                "members": [model_to_dict(m) for m in self.members_]}

    @classmethod
    def from_dict(cls, d):
        m = cls(**d["params"])
        m.members_ = [model_from_dict(x) for x in d["members"]]
        m.members = [x.clone() for x in m.members_]
        m.weights_ = np.array(d["weights"])
        m.intercept_ = float(d["intercept"])
        return m


class RankEnsemble(CalibratedEnsemble):
    """The calibrated mean of ewp, gbm and rank log-odds (``CalibratedEnsemble`` with a
    third, rank-aware member); second-round candidate, see docs/forecast.md."""

    def _members(self):
        return list(self.members) if self.members is not None else [
            ElasticNetLogit(), BoostedTrees(), RankBoostedTrees()]


# --------------------------------------------------------------------------- registry
MODELS = {
    "no-skill": NoSkill,
    "ewp": ElasticNetLogit,
    "gbm": BoostedTrees,
    "ensemble": CalibratedEnsemble,
    "rank": RankBoostedTrees,
    "rank-ensemble": RankEnsemble,
}
ENSEMBLES = ("ensemble", "rank-ensemble")
KIND_OF = {cls: kind for kind, cls in MODELS.items()}
# The model `train` fits by default, chosen on base years 1975-1994 by the rule stated
# before that run: among the candidates beating EWP there on both pooled AUC and top-30
# onsets, the largest share of paired bootstrap draws beating it on both (rank: 0.852);
# see docs/forecast.md. (The first round chose gbm, by best AUC.)
CHOSEN = "rank"


def make_model(kind: str):
    try:
        return MODELS[kind]()
    except KeyError:
        raise ValueError(f"unknown model {kind!r}; expected one of {', '.join(MODELS)}") from None


def model_to_dict(model) -> dict:
    return {"kind": KIND_OF[type(model)], **model.to_dict()}


def model_from_dict(d: dict):
    return MODELS[d["kind"]].from_dict(d)
