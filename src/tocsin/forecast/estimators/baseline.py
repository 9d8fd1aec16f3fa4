"""The no-skill model: last year's ongoing-killing status and its training onset rate."""

from __future__ import annotations

import numpy as np

from tocsin.forecast.estimators.common import OnsetClassifier, logit, params_doc, two_columns


class NoSkill(OnsetClassifier):
    """P(onset | ongoing killing in the base year) from training frequencies.

    "Last year's ongoing-killing status" is the status in the base year, the
    latest year known when the forecast is made. Rates are smoothed with half an
    onset per cell (Jeffreys) so a cell with no onsets does not give probability 0.
    """

    def __init__(self, *, column: str = "mk_ongoing_count_log2"):
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
        return two_columns(np.where(on, self.rates_[1], self.rates_[0]))

    def contributions(self, X):
        import pandas as pd

        p = self.predict_proba(X)[:, 1]
        base = logit(np.array(sum(self.rates_) / 2))
        return pd.DataFrame({self.column: logit(p) - base}, index=X.index), np.full(len(X), base)

    def to_dict(self):
        return {"params": params_doc(self), "rates": self.rates_}

    @classmethod
    def from_dict(cls, d):
        m = cls(**d["params"])
        m.rates_ = list(d["rates"])
        return m
