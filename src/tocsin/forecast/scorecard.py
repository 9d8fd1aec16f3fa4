"""Score forecast files against what happened: Tocsin's, EWP's published ones, anyone's.

The backtest scores models that Tocsin fits itself. The test that matters in
the end is a forecast as it was published, scored on the years after it, next
to the forecasts others published at the same time. This module reads forecast
files as they are written (``tocsin forecast predict`` output, EWP's yearly
result files), derives the outcome of each country from a mass-killing file
(``mk_onset`` by ``ccode`` and ``year``), and scores every forecast on the
countries they all cover, with the backtest's metrics.

Outcomes: for base year B, the 2-year target is an onset in B+1 or B+2 and the
1-year target an onset in B+1. A country is scored only if every one of those
years is in the outcome file with a known ``mk_onset``; unlike EWP's
``mk_onset_1or2``, a missing year never counts as "no onset".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tocsin.errors import InputError, Problem
from tocsin.forecast.backtest import _auc, score
from tocsin.forecast.models import SEED
from tocsin.forecast.panel import Target

# Tocsin and EWP's 2022-2025 editions write ccode; EWP's 2018-2021 editions COW.
KEY_COLUMNS = ("ccode", "COW")
N_BOOT = 1000


def probability_columns(base_year: int, target: Target) -> list[str]:
    """Column names that hold a forecast from ``base_year`` for ``target``, in the
    order they are looked for: Tocsin's, then EWP's spellings across editions."""
    b = base_year
    if target.horizon == 2:
        ewp = [f"risk.{b + 1}and{b + 2}.from{b}", f"risk_in_{b + 1}_{(b + 2) % 100:02d}",
               f"risk_in_{b + 1}_{b + 2}"]
    else:
        ewp = [f"risk.{b + 1}only.from{b}", f"risk_in_{b + 1}"]
    return ["probability", *ewp]


@dataclass
class Forecast:
    """One forecast file, reduced to a probability per country code."""

    name: str  # as given on the command line
    column: str
    probability: dict[int, float]  # ccode -> probability
    labels: dict[int, str] = field(default_factory=dict)  # ccode -> country name, if any
    no_forecast: list[int] = field(default_factory=list)  # rows with NA or an empty value


def _read_csv(path: Path):
    import pandas as pd

    name = str(path)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError(Problem(name, "no such file")) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else ""
        raise InputError(Problem(name, f"not a readable CSV file "
                                       f"({exc.__class__.__name__}: {detail})")) from None
    except (IsADirectoryError, PermissionError) as exc:
        raise InputError(Problem(name, f"cannot read: {exc.strerror}")) from None


def split_spec(spec: str) -> tuple[Path, str | None]:
    """``FILE`` or ``FILE:COLUMN`` (the column holding the probabilities)."""
    path, sep, column = spec.rpartition(":")
    if sep and path and column and not Path(spec).exists():
        return Path(path), column
    return Path(spec), None


def read_forecast(spec: str, base_year: int, target: Target) -> Forecast:
    path, column = split_spec(spec)
    name = str(path)
    frame = _read_csv(path)
    key = next((c for c in KEY_COLUMNS if c in frame.columns), None)
    if key is None:
        raise InputError(Problem(name, "no country code column (expected one of "
                                       f"{', '.join(KEY_COLUMNS)})", line=1))
    if column is None:
        wanted = probability_columns(base_year, target)
        column = next((c for c in wanted if c in frame.columns), None)
        if column is None:
            raise InputError(Problem(name, (
                f"no column with a {target.horizon}-year forecast from base year {base_year} "
                f"(looked for {', '.join(wanted)}); name it as {name}:COLUMN"), line=1))
    elif column not in frame.columns:
        raise InputError(Problem(name, f"no column {column!r}", line=1))
    if column == "probability" and "year" in frame.columns:
        years = set(frame["year"])
        if years != {str(base_year)}:
            raise InputError(Problem(name, f"the forecast is for base year "
                                           f"{', '.join(sorted(years))}, not {base_year}"))
    probability, labels, no_forecast = {}, {}, []
    label = next((c for c in ("ewp_name", "country") if c in frame.columns), None)
    first_line = {}
    for i, (code, value) in enumerate(zip(frame[key], frame[column], strict=True)):
        line = i + 2
        try:
            cc = int(float(code))
        except ValueError:
            raise InputError(Problem(name, f"column {key!r}: expected a country code, got "
                                           f"{code!r}", line=line)) from None
        if value.strip() in ("", "NA"):  # R writes NA where a country has no forecast
            no_forecast.append(cc)
            continue
        try:
            p = float(value)
        except ValueError:
            p = float("nan")
        if not 0.0 <= p <= 1.0:  # also catches NaN
            raise InputError(Problem(name, f"column {column!r}: expected a probability "
                                           f"between 0 and 1, got {value!r}", line=line))
        if cc in probability:
            raise InputError(Problem(name, f"country code {cc} appears twice (first on line "
                                           f"{first_line[cc]})", line=line))
        probability[cc], first_line[cc] = p, line
        if label:
            labels[cc] = frame[label].iloc[i]
    if not probability:
        raise InputError(Problem(name, "no rows"))
    return Forecast(name, column, probability, labels, sorted(no_forecast))


def read_outcomes(path: Path, base_year: int, target: Target) -> dict[int, int]:
    """ccode -> 1 if an onset happened in the target's window after ``base_year``."""
    name = str(path)
    frame = _read_csv(path)
    missing = [c for c in ("ccode", "year", "mk_onset") if c not in frame.columns]
    if missing:
        raise InputError(Problem(name, "missing column(s): " + ", ".join(missing)
                                 + " (expected an EWP mass-killing file such as "
                                   "basedata2025_*.csv or mkl_data.csv)", line=1))
    years = range(base_year + 1, base_year + target.horizon + 1)
    seen: dict[int, dict[int, int]] = {}
    for i, (code, year, onset) in enumerate(zip(frame["ccode"], frame["year"],
                                                frame["mk_onset"], strict=True)):
        line = i + 2
        try:
            y = int(float(year))
        except ValueError:
            raise InputError(Problem(name, f"column 'year': expected a year, got {year!r}",
                                     line=line)) from None
        if y not in years or onset.strip() in ("", "NA"):
            continue
        try:
            cc = int(float(code))
        except ValueError:
            raise InputError(Problem(name, f"column 'ccode': expected a country code, got "
                                           f"{code!r}", line=line)) from None
        if onset.strip() not in ("0", "1"):
            raise InputError(Problem(name, f"column 'mk_onset': an outcome must be 0 or 1, "
                                           f"got {onset!r}", line=line))
        seen.setdefault(cc, {})[y] = int(onset)
    outcome = {cc: max(v.values()) for cc, v in seen.items() if len(v) == len(years)}
    if not outcome:
        span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
        raise InputError(Problem(name, (
            f"no country has a known mk_onset for {span}, which a {target.horizon}-year "
            f"forecast from base year {base_year} needs (EWP's files here hold outcomes "
            "out from 2017 on)")))
    return outcome


@dataclass
class Scorecard:
    base_year: int
    target: Target
    forecasts: list[Forecast]
    countries: list[int]  # scored: in every forecast and with a known outcome
    outcome: dict[int, int]
    dropped: dict[str, list[int]]  # forecast name -> its countries left out

    def frame(self, f: Forecast):
        import pandas as pd

        return pd.DataFrame({"ccode": self.countries,
                             "outcome": [self.outcome[c] for c in self.countries],
                             "probability": [f.probability[c] for c in self.countries]})

    def scores(self) -> dict[str, dict]:
        return {f.name: score(self.frame(f)) for f in self.forecasts}

    def versus_first(self, n_boot: int = N_BOOT, seed: int = SEED) -> dict[str, dict]:
        """Each forecast minus the first on AUC and top-30 onsets, with 90% intervals
        from a paired bootstrap over countries (the same draw for both)."""
        if len(self.forecasts) < 2:
            return {}
        first = self.forecasts[0]
        codes = np.array(self.countries)
        y = np.array([self.outcome[c] for c in self.countries])
        p0 = np.array([first.probability[c] for c in self.countries])
        rng = np.random.default_rng(seed)
        draws = [rng.integers(0, len(codes), len(codes)) for _ in range(n_boot)]
        scores = self.scores()
        out = {}
        for f in self.forecasts[1:]:
            p1 = np.array([f.probability[c] for c in self.countries])
            auc_d, top_d = [], []
            for idx in draws:
                if 0 < y[idx].sum() < len(idx):
                    auc_d.append(_auc(y[idx], p1[idx]) - _auc(y[idx], p0[idx]))
                top_d.append(_top30(y[idx], p1[idx], codes[idx]) -
                             _top30(y[idx], p0[idx], codes[idx]))
            a, b = scores[f.name], scores[first.name]
            out[f.name] = {
                "auc_diff": None if a["auc"] is None or b["auc"] is None else a["auc"] - b["auc"],
                "auc_diff_90": [float(np.quantile(auc_d, q)) for q in (0.05, 0.95)]
                if auc_d else None,
                "top30_diff": a["top30"] - b["top30"],
                "top30_diff_90": [float(np.quantile(top_d, q)) for q in (0.05, 0.95)],
            }
        return out

    def onsets(self) -> list[str]:
        """The countries where an onset happened, by name where a forecast gives one."""
        names = {}
        for f in reversed(self.forecasts):
            names.update(f.labels)
        return [names.get(c, str(c)) for c in self.countries if self.outcome[c]]

    def to_json(self) -> dict:
        return {
            "base_year": self.base_year,
            "target": self.target.column,
            "countries": len(self.countries),
            "onsets": self.onsets(),
            "forecasts": [{"file": f.name, "column": f.column, "rows": len(f.probability),
                           "dropped": self.dropped[f.name], "no_forecast": f.no_forecast}
                          for f in self.forecasts],
            "scores": self.scores(),
            "versus_first": self.versus_first(),
        }


def _top30(y, p, codes) -> int:
    # the backtest's order: probability down, ties by country code
    order = np.lexsort((codes, -p))
    return int(y[order[:30]].sum())


def scorecard(specs: list[str], outcomes: Path, base_year: int, target: Target) -> Scorecard:
    forecasts = [read_forecast(s, base_year, target) for s in specs]
    names = [f.name for f in forecasts]
    if len(set(names)) < len(names):
        raise InputError(Problem("FORECAST", "the same file is given twice"))
    outcome = read_outcomes(outcomes, base_year, target)
    common = set(outcome)
    for f in forecasts:
        common &= set(f.probability)
    if not common:
        raise InputError(Problem(str(outcomes), "no country is in every forecast and has "
                                                "a known outcome (are the codes ccodes?)"))
    countries = sorted(common)
    dropped = {f.name: sorted(set(f.probability) - common) for f in forecasts}
    return Scorecard(base_year, target, forecasts, countries, outcome, dropped)


def format_scorecard(card: Scorecard) -> str:
    def f(v, spec):
        return "-" if v is None else format(v, spec)

    onsets = card.onsets()
    lines = [f"base year {card.base_year}, target {card.target.column}: {len(card.countries)} "
             f"countries scored, {len(onsets)} with an onset"
             + (f" ({', '.join(onsets)})" if onsets else "")]
    width = max(len(x.name) for x in card.forecasts)
    lines.append(f"{'forecast':<{width}} {'AUC':>6} {'AP':>6} {'Brier':>7} {'logloss':>8} "
                 f"{'top10':>6} {'top30':>6}  left out  no forecast")
    scores = card.scores()
    for fc in card.forecasts:
        m = scores[fc.name]
        lines.append(f"{fc.name:<{width}} {f(m['auc'], '.3f'):>6} "
                     f"{f(m['average_precision'], '.3f'):>6} {m['brier']:>7.4f} "
                     f"{m['log_loss']:>8.4f} {m['top10']:>6} {m['top30']:>6}  "
                     f"{len(card.dropped[fc.name]):>8}  {len(fc.no_forecast):>11}")
    versus = card.versus_first()
    if versus:
        lines.append("")
        lines.append(f"versus {card.forecasts[0].name} (90% interval, paired bootstrap over "
                     "countries):")
        for name, d in versus.items():
            auc = "AUC -" if d["auc_diff"] is None else (
                f"AUC {d['auc_diff']:+.3f} [{d['auc_diff_90'][0]:+.3f}, "
                f"{d['auc_diff_90'][1]:+.3f}]")
            lo, hi = d["top30_diff_90"]
            lines.append(f"{name:<{width}} {auc}   top30 {d['top30_diff']:+d} "
                         f"[{lo:+.0f}, {hi:+.0f}]")
    return "\n".join(lines)
