"""Why a country's risk is what it is: the predictors that push it up or down most.

Every model gives additive contributions on the log-odds scale
(``model.contributions(X)``): the elastic net's are coefficient x standardised
value (against the training mean row), the trees' are TreeSHAP values, the rank
model's are the TreeSHAP values of its ranking score times the slope of its Platt
calibration (the intercept goes into the baseline), and the ensembles' are the
members' weighted by the stack. So every model's add up exactly to its log-odds.
A driver is written ``name=value (+0.41)``: the predictor, its value in the base
year, and its contribution in log-odds.
"""

from __future__ import annotations

import math

import numpy as np

# Short labels for people; the column name stays the key.
LABELS = {
    "mk_ongoing_count_log2": "ongoing mass killings (log2 1+n)",
    "battledeaths.log2": "battle deaths (log2 1+n)",
    "coup.try.5yr": "coup attempt in last 5 years",
    "popsize.log2": "population (log2)",
    "un_imr_sqrt": "infant mortality (sqrt)",
    "pol_killing_approved": "political killings approved by leaders",
    "mk_ever": "mass killing ever",
    "discrimpop": "share of population discriminated",
}


def _fmt_value(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "NA"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.3g}"


def drivers(model, X, k: int = 3):
    """Per row of ``X``: the ``k`` strongest upward and downward drivers.

    Returns a DataFrame indexed like ``X`` with columns ``up_1..up_k`` and
    ``down_1..down_k`` (strings, empty when there are fewer), plus the raw
    contributions as a second DataFrame for callers that want numbers.
    """
    import pandas as pd

    contrib, _base = model.contributions(X)
    cols = list(contrib.columns)
    values = X[cols].to_numpy(dtype="float64")
    c = contrib.to_numpy()
    out = {f"{side}_{i}": [""] * len(X) for side in ("up", "down") for i in range(1, k + 1)}
    for r in range(len(X)):
        order = np.argsort(-c[r], kind="stable")
        ups = [j for j in order if c[r, j] > 1e-6][:k]
        downs = [j for j in order[::-1] if c[r, j] < -1e-6][:k]
        for side, picks in (("up", ups), ("down", downs)):
            for i, j in enumerate(picks, start=1):
                out[f"{side}_{i}"][r] = f"{cols[j]}={_fmt_value(values[r, j])} ({c[r, j]:+.2f})"
    return pd.DataFrame(out, index=X.index), contrib


def explain_row(model, X, row_label, k: int = 5) -> dict:
    """One country's explanation as plain data (for reports and the site)."""
    contrib, base = model.contributions(X.loc[[row_label]])
    c = contrib.iloc[0]
    x = X.loc[row_label]
    items = [{"predictor": name, "label": LABELS.get(name, name),
              "value": None if math.isnan(float(x[name])) else float(x[name]),
              "contribution": float(c[name])} for name in contrib.columns]
    items.sort(key=lambda d: d["contribution"], reverse=True)
    return {
        "baseline_log_odds": float(base[0]),
        "up": [d for d in items if d["contribution"] > 1e-6][:k],
        "down": [d for d in items[::-1] if d["contribution"] < -1e-6][:k],
    }
