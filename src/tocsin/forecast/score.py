"""Score forecast files against what happened: Tocsin's, EWP's published ones, anyone's.

The backtest scores models that Tocsin fits itself. The test that matters in
the end is a forecast as it was published, scored on the years after it, next
to the forecasts others published at the same time. This module reads forecast
files as they are written (``tocsin forecast predict`` output, EWP's yearly
result files), derives the outcome of each country from a mass-killing file
(``mk_onset`` by ``ccode`` and ``year``), and scores every forecast on the
countries they all cover, with the backtest's metrics (``metrics``): for one base
year, or pooled over several (one file per edition, grouped under a label).

Outcomes: for base year B, the 2-year target is an onset in B+1 or B+2 and the
1-year target an onset in B+1. A country is scored only if every one of those
years is in the outcome file with a known ``mk_onset``; unlike EWP's
``mk_onset_1or2``, a missing year never counts as "no onset".

Editions: an EWP result file is one edition, made from its newest base year (the
``from`` year of its columns). The 2023-2025 editions also carry a re-run of the
previous base year's 2-year forecast, made with the new edition's model and data:
not the forecast published from that year. When a forecaster has both, the
ex-ante forecast (from the edition made from that base year) is scored and the
re-run is set aside; a re-run alone is scored, and marked as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tocsin.errors import InputError, Problem
from tocsin.forecast import metrics
from tocsin.forecast.estimators import SEED
from tocsin.forecast.panel import Target, read_csv

# Tocsin and EWP's 2023-2025 editions write ccode; EWP's 2018-2022 editions COW.
KEY_COLUMNS = ("ccode", "COW")
N_BOOT = 1000

# EWP's forecast columns across editions (docs/forecast.md), and the base year each
# names: 2023-2025 risk.2024and2025.from2023 / risk.2024only.from2023; 2019-2022
# risk_in_2020_21 / risk_in_2020; 2018 risk_2018_19 / risk_in_2018.
_EWP_COLUMNS = (
    (re.compile(r"risk\.(\d{4})and(\d{4})\.from(\d{4})"), lambda m: int(m[3])),
    (re.compile(r"risk\.(\d{4})only\.from(\d{4})"), lambda m: int(m[2])),
    (re.compile(r"risk_in_(\d{4})(?:_(?:\d{2}|\d{4}))?"), lambda m: int(m[1]) - 1),
    (re.compile(r"risk_(\d{4})_(?:\d{2}|\d{4})"), lambda m: int(m[1]) - 1),
)


def probability_columns(base_year: int, target: Target) -> list[str]:
    """Column names that hold a forecast from ``base_year`` for ``target``, in the
    order they are looked for: Tocsin's, then EWP's spellings across editions."""
    b = base_year
    if target.horizon == 2:
        ewp = [f"risk.{b + 1}and{b + 2}.from{b}", f"risk_in_{b + 1}_{(b + 2) % 100:02d}",
               f"risk_in_{b + 1}_{b + 2}", f"risk_{b + 1}_{(b + 2) % 100:02d}"]
    else:
        ewp = [f"risk.{b + 1}only.from{b}", f"risk_in_{b + 1}"]
    return ["probability", *ewp]


def edition_base_year(columns) -> int | None:
    """The base year an EWP result file was made from: the newest base year any of
    its forecast columns names (None for a file without EWP forecast columns)."""
    years = [base(m) for c in columns for pattern, base in _EWP_COLUMNS
             if (m := pattern.fullmatch(str(c)))]
    return max(years) if years else None


@dataclass
class Forecast:
    """One forecaster's forecast from one base year, reduced to a probability per
    country code."""

    label: str  # the forecaster: LABEL= on the command line, else the file name
    file: str
    base_year: int
    column: str
    probability: dict[int, float]  # ccode -> probability
    names: dict[int, str] = field(default_factory=dict)  # ccode -> country name, if any
    no_forecast: list[int] = field(default_factory=list)  # rows with NA or an empty value
    # The base year the file (an EWP edition) was made from; None: each forecast in the
    # file is from its own base year (``forecast predict`` output, a named column).
    edition: int | None = None

    @property
    def ex_ante(self) -> bool:
        """Made from its base year, not re-run later from a newer edition's model."""
        return self.edition is None or self.edition == self.base_year

    def describe(self) -> str:
        return f"{self.file} ({self.column})"


def _read_csv(path: Path):
    return read_csv(path, dtype=str, keep_default_na=False)


def split_spec(spec: str) -> tuple[str | None, Path, str | None]:
    """``[LABEL=]FILE[:COLUMN]``: the forecaster's label, the file, and the column
    holding the probabilities. A file that exists is always taken whole."""
    if Path(spec).exists():
        return None, Path(spec), None
    label, eq, rest = spec.partition("=")
    if not eq or not label or "/" in label:
        label, rest = None, spec
    path, sep, column = rest.rpartition(":")
    if sep and path and column and not Path(rest).exists():
        return label, Path(path), column
    return label, Path(rest), None


def read_forecasts(spec: str, years: list[int], target: Target) -> list[Forecast]:
    """The forecasts one file holds for the requested base years (at least one).

    * A ``probability`` column (``forecast predict`` output) holds one forecast per
      base year in the file's ``year`` column; without a ``year`` column, one
      forecast from the only base year asked for.
    * An EWP result file holds one forecast per column, found by its name.
    * A column named on the command line is one forecast, from the only base year
      asked for (its rows of that year if the file has a ``year`` column).
    """
    label, path, column = split_spec(spec)
    name = str(path)
    frame = _read_csv(path)
    key = next((c for c in KEY_COLUMNS if c in frame.columns), None)
    if key is None:
        raise InputError(Problem(name, "no country code column (expected one of "
                                       f"{', '.join(KEY_COLUMNS)})", line=1))
    label = label or name
    asked = ", ".join(str(y) for y in years)
    if column is not None and column not in frame.columns:
        raise InputError(Problem(name, f"no column {column!r}", line=1))
    single = column if column is not None else (
        "probability" if "probability" in frame.columns else None)
    if single is not None:
        if "year" in frame.columns:
            held = sorted(set(frame["year"]))
            found = [b for b in years if str(b) in held]
            if column is not None and not found and len(years) == 1:
                found = years  # a published file whose 'year' is a predictor's year
            if not found:
                raise InputError(Problem(name, f"the forecast is for base year "
                                               f"{', '.join(held)}, not {asked}"))
        elif len(years) == 1:
            found = years
        else:
            raise InputError(Problem(name, f"no 'year' column to tell which base year its "
                                           f"column {single!r} is from: score it with a "
                                           "single --year"))
        if column is not None and len(years) > 1:
            raise InputError(Problem(name, f"a column named on the command line ({column}) "
                                           "is one forecast: score it with a single --year"))
        return [_forecast(frame, label, name, key, b, single) for b in found]
    out = []
    edition = edition_base_year(frame.columns)
    for b in years:
        col = next((c for c in probability_columns(b, target) if c in frame.columns), None)
        if col is not None:
            out.append(_forecast(frame, label, name, key, b, col, edition))
    if not out:
        wanted = [c for b in years for c in probability_columns(b, target)]
        raise InputError(Problem(name, (
            f"no column with a {target.horizon}-year forecast from base year {asked} "
            f"(looked for {', '.join(wanted)}); name it as {name}:COLUMN"), line=1))
    return out


def _forecast(frame, label: str, name: str, key: str, base_year: int, column: str,
              edition: int | None = None) -> Forecast:
    rows = range(len(frame))
    if "year" in frame.columns and (frame["year"] == str(base_year)).any():
        rows = np.flatnonzero((frame["year"] == str(base_year)).to_numpy())
    country = next((c for c in ("ewp_name", "country") if c in frame.columns), None)
    probability, names, no_forecast, first_line = {}, {}, [], {}
    for i in rows:
        i = int(i)
        code, value, line = frame[key].iloc[i], frame[column].iloc[i], i + 2
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
        if country:
            names[cc] = frame[country].iloc[i]
    if not probability:
        raise InputError(Problem(name, f"no forecast from base year {base_year} in column "
                                       f"{column!r}"))
    return Forecast(label, name, base_year, column, probability, names, sorted(no_forecast),
                    edition)


def read_outcomes(path: Path, base_year: int, target: Target, frame=None) -> dict[int, int]:
    """ccode -> 1 if an onset happened in the target's window after ``base_year``
    (``frame``: the file already read)."""
    name = str(path)
    frame = _read_csv(path) if frame is None else frame
    missing = [c for c in ("ccode", "year", "mk_onset") if c not in frame.columns]
    if missing and "mkl.start" in frame.columns:
        raise InputError(Problem(name, (
            "is an mkl_data.csv of EWP's 2018-2022 layout (sftgcode, mkl.start): its "
            "mkl.start counts state-led onsets only, and EWP's forecasts since 2018 are of "
            "state-led or non-state-led onsets; use a file with ccode, year and mk_onset "
            "(both kinds), e.g. EWP's basedata2025_*.csv or the 2023 mkl_data.csv"),
            line=1))
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
class ForecastScores:
    """Forecasters side by side: for each base year, every forecaster's forecast,
    scored on the countries all of them cover that have a known outcome."""

    years: list[int]
    target: Target
    labels: list[str]  # forecasters, in command-line order; the first is the reference
    forecasts: dict[str, dict[int, Forecast]]  # label -> base year -> forecast
    countries: dict[int, list[int]]  # base year -> ccodes scored
    outcome: dict[int, dict[int, int]]  # base year -> ccode -> 0/1
    dropped: dict[str, dict[int, list[int]]]  # label -> base year -> ccodes left out
    # Re-runs not scored because the same forecaster has the ex-ante forecast of that
    # base year (label, the re-run, the forecast scored instead).
    set_aside: list[tuple[str, Forecast, Forecast]] = field(default_factory=list)

    def notes(self) -> list[str]:
        """What a reader of the scores must know: re-runs set aside, re-runs scored."""
        out = [f"{label}: base year {kept.base_year} is scored from {kept.describe()}; the "
               f"re-run in {rerun.describe()}, made from base year {rerun.edition}, is set "
               "aside" for label, rerun, kept in self.set_aside]
        out += [f"{label}: the forecast from base year {b} in {f.describe()} is a re-run "
                f"made from base year {f.edition}, not the forecast published from {b} "
                "(give the edition made from that year to score that instead)"
                for label in self.labels for b, f in sorted(self.forecasts[label].items())
                if not f.ex_ante]
        return out

    def predictions(self):
        """The forecasts as predictions (see :mod:`metrics`), one "model" per label."""
        import pandas as pd

        parts = []
        for label in self.labels:
            for b in self.years:
                f, codes = self.forecasts[label][b], self.countries[b]
                parts.append(pd.DataFrame({
                    "base_year": b, "model": label, "ccode": codes,
                    "outcome": [self.outcome[b][c] for c in codes],
                    "probability": [f.probability[c] for c in codes]}))
        return pd.concat(parts, ignore_index=True)

    def scores(self) -> dict[str, dict]:
        """Pooled over the base years (top 10 / top 30 counted within each year)."""
        return metrics.pooled(self.predictions(), self.labels)

    def per_year(self) -> dict[str, dict[int, dict]]:
        return metrics.per_year(self.predictions(), self.labels)

    def versus_first(self, n_boot: int = N_BOOT, seed: int = SEED) -> dict[str, dict]:
        """Each forecaster minus the first on pooled AUC and top-30 onsets, with 90%
        intervals from a paired bootstrap: over base years when there are several
        (the backtest's own comparison), else over the countries of the one year."""
        if len(self.labels) < 2:
            return {}
        if len(self.years) > 1:
            return metrics.versus_over_years(self.predictions(), self.labels[0], self.labels,
                                             self.years, n_boot=n_boot, seed=seed)
        return metrics.versus_over_countries(self.predictions(), self.labels[0], self.labels,
                                             n_boot=n_boot, seed=seed)

    def onsets(self, base_year: int) -> list[str]:
        """Where an onset happened, by name where a forecast gives one."""
        names = {}
        for label in reversed(self.labels):
            names.update(self.forecasts[label][base_year].names)
        return [names.get(c, str(c)) for c in self.countries[base_year]
                if self.outcome[base_year][c]]

    def to_json(self) -> dict:
        return {
            "base_years": self.years,
            "target": self.target.column,
            "countries": sum(len(c) for c in self.countries.values()),
            "onsets": {str(b): self.onsets(b) for b in self.years},
            "forecasts": [{"label": label, "file": f.file, "base_year": b, "column": f.column,
                           "edition_base_year": f.edition, "ex_ante": f.ex_ante,
                           "rows": len(f.probability), "dropped": self.dropped[label][b],
                           "no_forecast": f.no_forecast}
                          for label in self.labels
                          for b, f in sorted(self.forecasts[label].items())],
            "set_aside": [{"label": label, "file": f.file, "base_year": f.base_year,
                           "column": f.column, "edition_base_year": f.edition,
                           "scored_instead": {"file": kept.file, "column": kept.column}}
                          for label, f, kept in self.set_aside],
            "scores": self.scores(),
            "per_year": {label: {str(b): m for b, m in v.items()}
                         for label, v in self.per_year().items()},
            "versus_first": self.versus_first(),
        }


def score_forecasts(specs: list[str], outcomes: Path, years: list[int],
                    target: Target) -> ForecastScores:
    """Read the forecast files ``specs`` and the outcome file; match them up."""
    years = sorted(set(years))
    labels: list[str] = []
    forecasts: dict[str, dict[int, Forecast]] = {}
    set_aside: list[tuple[str, Forecast, Forecast]] = []
    for spec in specs:
        for f in read_forecasts(spec, years, target):
            if f.label not in forecasts:
                labels.append(f.label)
                forecasts[f.label] = {}
            old = forecasts[f.label].get(f.base_year)
            if old is not None and old.ex_ante != f.ex_ante:
                # The edition made from the base year wins over a later edition's re-run.
                kept, rerun = (old, f) if old.ex_ante else (f, old)
                set_aside.append((f.label, rerun, kept))
                forecasts[f.label][f.base_year] = kept
                continue
            if old is not None:
                kind = "an ex-ante forecast" if f.ex_ante else "a re-run"
                raise InputError(Problem(f.file, (
                    f"{f.label} has a forecast from base year {f.base_year} in {old.file} "
                    f"already ({kind} in both); give each forecaster one forecast per base "
                    "year")))
            forecasts[f.label][f.base_year] = f
    for label in labels:
        missing = [b for b in years if b not in forecasts[label]]
        if missing:
            raise InputError(Problem(label, "no forecast from base year "
                                            f"{', '.join(map(str, missing))}"))
    countries, outcome, dropped = {}, {}, {label: {} for label in labels}
    mk = _read_csv(outcomes)
    for b in years:
        outcome[b] = read_outcomes(outcomes, b, target, mk)
        common = set(outcome[b])
        for label in labels:
            common &= set(forecasts[label][b].probability)
        if not common:
            raise InputError(Problem(str(outcomes), (
                f"base year {b}: no country is in every forecast and has a known outcome "
                "(are the codes ccodes?)")))
        countries[b] = sorted(common)
        for label in labels:
            dropped[label][b] = sorted(set(forecasts[label][b].probability) - common)
    return ForecastScores(years, target, labels, forecasts, countries, outcome, dropped,
                          set_aside)


def format_scores(result: ForecastScores) -> str:
    def f(v, spec):
        return "-" if v is None else format(v, spec)

    lines = []
    for b in result.years:
        onsets = result.onsets(b)
        lines.append(f"base year {b}, target {result.target.column}: {len(result.countries[b])} "
                     f"countries scored, {len(onsets)} with an onset"
                     + (f" ({', '.join(onsets)})" if onsets else ""))
    if len(result.years) > 1:
        lines.append(f"pooled over {len(result.years)} base years:")
    width = max(8, *(len(x) for x in result.labels))
    lines.append(f"{'forecast':<{width}} {'AUC':>6} {'AP':>6} {'Brier':>7} {'logloss':>8} "
                 f"{'top10':>6} {'top30':>6}  left out  no forecast")
    scores = result.scores()
    for label in result.labels:
        m = scores[label]
        left = sum(len(v) for v in result.dropped[label].values())
        none = sum(len(x.no_forecast) for x in result.forecasts[label].values())
        lines.append(f"{label:<{width}} {f(m['auc'], '.3f'):>6} "
                     f"{f(m['average_precision'], '.3f'):>6} {m['brier']:>7.4f} "
                     f"{m['log_loss']:>8.4f} {m['top10']:>6} {m['top30']:>6}  "
                     f"{left:>8}  {none:>11}")
    if len(result.years) > 1:
        lines.append("")
        lines.append("by base year: AUC / onsets in top 30")
        by_year = result.per_year()
        lines.append(f"{'year':<5} " + " ".join(f"{x:>{max(13, len(x))}}" for x in result.labels))
        for b in result.years:
            cells = [f"{f(by_year[x][b]['auc'], '.3f')} / {by_year[x][b]['top30']}"
                     for x in result.labels]
            lines.append(f"{b:<5} " + " ".join(f"{c:>{max(13, len(x))}}"
                                               for c, x in zip(cells, result.labels, strict=True)))
    versus = result.versus_first()
    if versus:
        over = "base years" if len(result.years) > 1 else "countries"
        lines.append("")
        lines.append(f"versus {result.labels[0]} (90% interval, paired bootstrap over {over}):")
        for label, d in versus.items():
            auc = "AUC -" if d["auc_diff"] is None else (
                f"AUC {d['auc_diff']:+.3f} [{d['auc_diff_90'][0]:+.3f}, "
                f"{d['auc_diff_90'][1]:+.3f}]")
            lo, hi = d["top30_diff_90"]
            lines.append(f"{label:<{width}} {auc}   top30 {d['top30_diff']:+d} "
                         f"[{lo:+.0f}, {hi:+.0f}]")
    notes = result.notes()
    if notes:
        lines.append("")
        lines += [f"note: {n}" for n in notes]
    return "\n".join(lines)
