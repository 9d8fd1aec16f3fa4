"""What every estimator shares: scikit-learn's base classes, the logit link, the seed.

An estimator here is a scikit-learn classifier on a DataFrame of predictors
(columns by name, NaN allowed): ``__init__`` only stores its parameters,
``fit(X, y)`` sets the fitted attributes (their names end in ``_``), and
``get_params`` / ``set_params`` / ``sklearn.base.clone`` are scikit-learn's.
Beyond scikit-learn's API each one has ``contributions(X)`` (per-predictor
log-odds contributions and a baseline, for explanations) and ``to_dict()`` /
``from_dict()`` for the JSON model file (no pickle).
"""

from __future__ import annotations

import inspect

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

SEED = 20240901  # one fixed seed for folds, subsampling, tie-breaking and the bootstrap


def logit(p):
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p) - np.log1p(-p)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def two_columns(p):
    """P(no onset), P(onset): ``predict_proba``'s shape, as in scikit-learn."""
    p = np.asarray(p, dtype="float64")
    return np.column_stack([1 - p, p])


class OnsetClassifier(ClassifierMixin, BaseEstimator):
    """The base of the estimators: scikit-learn's, plus the two things they all do
    alike (a 0/1 ``predict`` from ``predict_proba``, the matrix of ``features``)."""

    def _matrix(self, X):
        return X[list(self.features)].to_numpy(dtype="float64")

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def params_doc(model) -> dict:
    """The model's parameters for the model file, in the order of its constructor
    (sequences as lists). The keys are the file format's: keep them."""
    names = [p for p in inspect.signature(type(model).__init__).parameters if p != "self"]
    return {name: _plain(getattr(model, name)) for name in names}


def _plain(value):
    return list(value) if isinstance(value, tuple) else value
