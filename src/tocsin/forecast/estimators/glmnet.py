"""EWP's model: elastic-net logistic regression fitted as glmnet does.

Alpha 0.5, predictors standardised, lambda by 10-fold cross-validated binomial
deviance ("lambda.min"), fitted along a glmnet-style lambda path by IRLS with
coordinate descent and an exact active-set finish.
"""

from __future__ import annotations

import math

import numpy as np

from tocsin.forecast.estimators.common import (
    SEED,
    OnsetClassifier,
    logit,
    params_doc,
    sigmoid,
    two_columns,
)
from tocsin.forecast.panel import EWP_PREDICTORS


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
    b0 = logit(ybar) if b0 is None else b0
    intercepts = np.empty(len(lambdas))
    coefs = np.empty((len(lambdas), p))
    null_dev = _deviance(y, np.full(n, logit(ybar))).sum()
    prev_ratio = 0.0
    for k, lam in enumerate(lambdas):
        l1, l2 = lam * alpha, lam * (1 - alpha)
        for _ in range(max_irls):
            eta = b0 + X @ beta
            mu = sigmoid(eta)
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


class ElasticNetLogit(OnsetClassifier):
    """EWP's model: elastic-net logistic regression, lambda by K-fold CV deviance.

    Parameters (defaults are EWP's glmnet settings):
    alpha=0.5 (the l1 share), n_lambda=100, lambda_min_ratio=1e-4 (glmnet's value when
    rows outnumber predictors), cv=10 folds on binomial deviance, lambda.min;
    fixed_lambda fixes lambda and skips the CV (``lambda_`` in the model file);
    random_state seeds the folds.

    Missing values: rows with any missing predictor are dropped from training (EWP
    drops them too); at prediction time a missing predictor takes its training mean,
    so it contributes nothing. Folds are stratified on the outcome (glmnet's are
    random); with ~150 positives in 10 folds this keeps every fold scoreable.
    """

    def __init__(self, *, features=EWP_PREDICTORS, alpha: float = 0.5, n_lambda: int = 100,
                 lambda_min_ratio: float = 1e-4, cv: int = 10,
                 fixed_lambda: float | None = None, random_state: int = SEED):
        self.features = features
        self.alpha = alpha
        self.n_lambda = n_lambda
        self.lambda_min_ratio = lambda_min_ratio
        self.cv = cv
        self.fixed_lambda = fixed_lambda
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
        if self.fixed_lambda is not None:
            lambdas = np.array([self.fixed_lambda])
            if self.fixed_lambda < lam_max:  # walk down to it: warm starts keep IRLS stable
                lambdas = np.r_[np.geomspace(lam_max, self.fixed_lambda, 20)[:-1],
                                self.fixed_lambda]
            self.chosen_lambda_ = float(self.fixed_lambda)
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
        """What fit chose, as parameters (an ensemble's inner folds fix it)."""
        return {"fixed_lambda": self.chosen_lambda_}

    def _z(self, X):
        A = self._matrix(X)
        A = np.where(np.isnan(A), self.center_, A)
        return (A - self.center_) / self.scale_

    def decision_function(self, X):
        return self.intercept_std_ + self._z(X) @ self.coef_std_

    def predict_proba(self, X):
        return two_columns(sigmoid(self.decision_function(X)))

    def contributions(self, X):
        """Log-odds contribution of each predictor against the training mean row."""
        import pandas as pd

        c = self._z(X) * self.coef_std_
        return (pd.DataFrame(c, columns=list(self.features), index=X.index),
                np.full(len(X), self.intercept_std_))

    def to_dict(self):
        params = {("lambda_" if k == "fixed_lambda" else k): v
                  for k, v in params_doc(self).items()}
        return {"params": params,
                "center": self.center_.tolist(), "scale": self.scale_.tolist(),
                "coef_std": self.coef_std_.tolist(), "intercept_std": self.intercept_std_,
                "chosen_lambda": self.chosen_lambda_, "n_dropped": self.n_dropped_}

    @classmethod
    def from_dict(cls, d):
        params = {("fixed_lambda" if k == "lambda_" else k): v for k, v in d["params"].items()}
        m = cls(**params)
        m.center_ = np.array(d["center"])
        m.scale_ = np.array(d["scale"])
        m.coef_std_ = np.array(d["coef_std"])
        m.intercept_std_ = float(d["intercept_std"])
        m.chosen_lambda_ = float(d["chosen_lambda"])
        m.n_dropped_ = int(d["n_dropped"])
        return m
