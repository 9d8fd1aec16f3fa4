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

# Every predictor of EWP's model in words, for the people a forecast is shown to
# (a minister, a focal point): what the column measures, from EWP's codebook
# (``data/ewp/README.md`` of the shared data, columns of the prepared-predictors file;
# V-Dem's variable names in brackets there). The column name stays the key, and the
# command line prints it beside the label. ``partyban.new.*`` are EWP's new (2025)
# coding of V-Dem's party ban in three classes, not a ban that is new.
LABELS = {
    "year": "Year (time trend)",
    "year_sq": "Year squared (time trend)",
    "includesnonstate": "Mass killings by non-state groups counted (from 1989)",
    "widetargeting": "Mass killing under way, not aimed at one ethnic group",
    "narrowtargeting": "Mass killing under way, aimed at one ethnic group",
    "mk_onset_prev_year": "A mass killing began the year before",
    "mk_ever": "Mass killing in the country's past",
    "mk_ongoing_count_log2": "Mass killings under way (log scale)",
    "mean_mk_onset_interaction": "Mass killings begun in the country so far",
    "v2csgender_binary": "Women kept out of civil society",
    "v2mecenefm_binary": "Government censorship of the media",
    "partyban.new.0": "Ban on all opposition parties",
    "partyban.new.1": "Ban on some political parties",
    "partyban.new.2": "No ban on political parties",
    "minorityrule": "Political power held by a minority group",
    "social_power_dist": "Political power monopolised by social groups",
    "ses_power_dist": "Political power shared across rich and poor (higher: more even)",
    "judicialreform": "Judicial reform (0 weakened, 1 no change, 2 strengthened)",
    "religiousfreedom": "Freedom of religion (0 none to 4 full)",
    "pol_killing_approved": "Political killings approved by the country's leaders",
    "freediscussion": "Freedom of discussion (0 to 1)",
    "social_inequality": "Some social groups have far fewer civil liberties",
    "even_civilrights": "Civil liberties respected evenly across regions",
    "repress_civilsoc": "Government represses civil society",
    "popsize.log2": "Population size (log scale)",
    "gdppcgrowth": "Economic growth per person (% a year)",
    "un_imr_sqrt": "Infant mortality (square root)",
    "efindex": "Ethnic fractionalisation",
    "discrimpop": "Share of the population in politically discriminated ethnic groups",
    "reg.na": "Region: the Americas",
    "reg.eap": "Region: East Asia and the Pacific",
    "reg.sca": "Region: South and Central Asia",
    "reg.mna": "Region: Middle East and North Africa",
    "reg.eur": "Region: Europe",
    "ios.iccpr1": "Party to the ICCPR's First Optional Protocol (individual complaints)",
    "battledeaths.log2": "Battle deaths in internal armed conflict (log scale)",
    "coup.try.5yr": "Coup attempt in the last five years",
    "newcountry": "New state (two years or less since independence)",
    "countryage.new.log2": "Years since independence (log scale)",
}


def label(predictor: str) -> str:
    """The predictor in words (its column name if it has no label)."""
    return LABELS.get(predictor, predictor)


def driver_line(d: dict) -> str:
    """One driver as ``tocsin forecast explain`` prints it: contribution, column,
    value, and the label in words (``  +0.48  discrimpop = 0.0605  Share of ...``)."""
    value = "NA" if d["value"] is None else f"{d['value']:.4g}"
    return f"  {d['contribution']:+.2f}  {d['predictor']} = {value}  {label(d['predictor'])}"


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
    items = [{"predictor": name, "label": label(name),
              "value": None if math.isnan(float(x[name])) else float(x[name]),
              "contribution": float(c[name])} for name in contrib.columns]
    items.sort(key=lambda d: d["contribution"], reverse=True)
    return {
        "baseline_log_odds": float(base[0]),
        "up": [d for d in items if d["contribution"] > 1e-6][:k],
        "down": [d for d in items[::-1] if d["contribution"] < -1e-6][:k],
    }
