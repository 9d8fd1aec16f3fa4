"""Charts of a rule's weekly series with its alerts (Altair, PNG through vl-convert).

Used for docs/early-warning.md and by ``tocsin warn chart``: the figure, what the
rule expected (surprise: the predictive mean and the level the tail probability
crosses; threshold: the level; HDX: the 30-day total and the previous year's high),
and the weeks that alerted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from tocsin import charts
from tocsin.warning import escalation
from tocsin.warning.alerts import _series, evaluate_rule
from tocsin.warning.rules import Rule


def rule_frame(db, rule: Rule, country: str, source: str | None, unit: str = "") -> pd.DataFrame:
    """week, value, expected, alert_level (the value at which the rule fires), alert."""
    if rule.condition.hdx is not None:
        return _hdx_frame(db, rule, country, source)
    keys, weeks, values, _ = _series(db, rule)
    sel = (keys["country"] == country) & (keys["unit"] == unit)
    if source:
        sel &= keys["source"] == source
    if not sel.any():
        return pd.DataFrame(columns=["week", "value", "expected", "alert_level", "alert"])
    i = int(np.flatnonzero(sel.to_numpy())[0])
    x = values[i:i + 1]
    frame = pd.DataFrame({"week": weeks, "value": x[0]})
    if rule.condition.surprise is not None:
        from scipy.special import betainc  # noqa: F401  (same maths as detect)
        from scipy.stats import nbinom

        s = rule.condition.surprise
        sur = escalation.nb_surprise(x, s.baseline_weeks, s.guard_weeks, s.min_baseline_weeks)
        size, mu = sur.size[0], sur.expected[0]
        frame["expected"] = mu
        # smallest count whose upper tail is below p: the level an alert needs
        level = nbinom.isf(s.p, size, size / (size + mu)) + 1
        frame["alert_level"] = np.maximum(level, s.min_value)
        frame.loc[sur.baseline_weeks[0] < s.min_baseline_weeks, "alert_level"] = np.nan
    else:
        frame["expected"] = np.nan
        frame["alert_level"] = rule.condition.threshold
    fired = {a.week for a in evaluate_rule(db, rule)
             if a.country == country and a.unit == unit and (not source or a.source == source)}
    frame["alert"] = frame["week"].dt.date.astype(str).isin(fired)
    return frame


def _hdx_frame(db, rule: Rule, country: str, source: str | None) -> pd.DataFrame:
    alerts = [a for a in evaluate_rule(db, rule)
              if a.country == country and (not source or a.source == source)]
    daily = db.execute("SELECT day, sum(fatalities) AS f FROM daily WHERE country = ? "
                       + ("AND source = ? " if source else "") + "GROUP BY day",
                       [country, source] if source else [country]).df()
    days = pd.date_range(daily["day"].min(), daily["day"].max(), freq="D")
    y = np.zeros(len(days))
    np.add.at(y, (pd.to_datetime(daily["day"]) - days[0]).dt.days.to_numpy(), daily["f"])
    h = escalation.hdx_conflict(y, rule.condition.hdx.window_days, rule.condition.hdx.floor,
                            rule.condition.hdx.history_days)
    frame = pd.DataFrame({"week": days, "value": h.rolling,
                          "alert_level": np.maximum(h.prior_max_1y, rule.condition.hdx.floor)})
    frame = frame[frame["week"].dt.day_of_week == 6].copy()  # one point a week (Sundays)
    frame["week"] = frame["week"] - pd.Timedelta(days=6)
    frame["expected"] = np.nan
    frame["alert"] = frame["week"].dt.date.astype(str).isin({a.week for a in alerts})
    return frame


def draw(frame: pd.DataFrame, title: str, y_title: str, path: Path,
         start: dt.date | None = None, end: dt.date | None = None, subtitle: str = "") -> Path:
    import altair as alt

    f = frame.copy()
    if start:
        f = f[f["week"] >= pd.Timestamp(start)]
    if end:
        f = f[f["week"] <= pd.Timestamp(end)]
    f = f.dropna(subset=["value"])
    base = alt.Chart(f).encode(x=alt.X("week:T", title=None))
    width = max(1.5, 0.8 * 640 / max(len(f), 1))  # one bar per week, touching-ish
    layers = [base.mark_bar(color="#7f8c9a", opacity=0.7, size=width).encode(
        y=alt.Y("value:Q", title=y_title))]
    if f["expected"].notna().any():
        layers.append(base.mark_line(color="#1f77b4").encode(y="expected:Q"))
    if f["alert_level"].notna().any():
        layers.append(base.mark_line(color="#d62728", strokeDash=[4, 3]).encode(
            y="alert_level:Q"))
    layers.append(alt.Chart(f[f["alert"]]).mark_point(
        color="#d62728", filled=True, size=60, shape="triangle-down").encode(
        x="week:T", y="value:Q"))
    chart = alt.layer(*layers).properties(
        width=640, height=220,
        title=alt.Title(title, subtitle=subtitle or "bars: weekly figure; red dashes: level "
                        "that alerts; blue: expected; triangles: alerts", fontSize=13,
                        subtitleFontSize=10))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return charts.write(chart, path)
