"""The country-year panel: EWP's prepared-predictors CSV, read as published.

This module knows the column names, the two targets and the timing rule that
keeps every forecast free of look-ahead. Everything else in ``tocsin.forecast``
goes through :func:`training_rows` and :func:`base_year_rows`, so the rule is
enforced in one place.

Missing values, explicitly:

* predictors: kept as NaN here. Each model says what it does with them (the EWP
  baseline drops incomplete training rows, as EWP does, and fills the rare gap at
  prediction time with the training mean; the boosted trees use NaN natively).
* outcomes: a training row needs its target's leads to be observed.
  ``mk_onset_1or2`` counts a missing lead as 0 (a country's last two years, and
  the held-out years after 2016), so for the 2-year target we also require
  ``mk_onset_1`` and ``mk_onset_2`` to be present, as EWP does. For the 1-year
  target we require ``mk_onset_1``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from tocsin.errors import InputError, Problem

KEYS = ("ewp_name", "ccode", "year")

# EWP's 39 inputs of the 2025 model: the columns from ``year`` through
# ``includesnonstate`` in the published file, keys and outcomes excluded.
EWP_PREDICTORS: tuple[str, ...] = (
    "year", "widetargeting", "narrowtargeting", "v2csgender_binary", "v2mecenefm_binary",
    "partyban.new.0", "partyban.new.1", "partyban.new.2", "minorityrule", "judicialreform",
    "religiousfreedom", "pol_killing_approved", "freediscussion", "social_inequality",
    "even_civilrights", "repress_civilsoc", "social_power_dist", "ses_power_dist",
    "popsize.log2", "gdppcgrowth", "un_imr_sqrt", "efindex", "discrimpop", "reg.na", "reg.eap",
    "reg.sca", "reg.mna", "reg.eur", "ios.iccpr1", "battledeaths.log2", "coup.try.5yr",
    "mk_ongoing_count_log2", "mean_mk_onset_interaction", "mk_onset_prev_year", "newcountry",
    "mk_ever", "year_sq", "countryage.new.log2", "includesnonstate",
)

OUTCOMES = ("mk_onset", "mk_onset_1", "mk_onset_2", "mk_onset_1or2")


@dataclass(frozen=True)
class Target:
    """A forecast target: its column, its horizon, and the leads it needs observed."""

    name: str  # "1or2" or "1", as on the command line
    column: str
    horizon: int  # years after the base year the window reaches
    needs: tuple[str, ...]  # columns that must be non-missing in a training row


TARGETS = {
    "1or2": Target("1or2", "mk_onset_1or2", 2, ("mk_onset_1", "mk_onset_2")),
    "1": Target("1", "mk_onset_1", 1, ("mk_onset_1",)),
}


def get_target(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        message = f"unknown target {name!r}; expected 1or2 or 1"
        raise InputError(Problem("--target", message)) from None


def last_training_year(base_year: int, target: Target) -> int:
    """The last year whose outcome is known at ``base_year``: B-2 (2-year), B-1 (1-year)."""
    return base_year - target.horizon


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_csv(path: Path, **options):
    """pandas.read_csv, with any failure to read turned into an InputError naming
    the file."""
    import pandas as pd

    name = str(path)
    try:
        return pd.read_csv(path, **options)
    except FileNotFoundError:
        raise InputError(Problem(name, "no such file")) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else ""
        message = f"not a readable CSV file ({exc.__class__.__name__}: {detail})"
        raise InputError(Problem(name, message)) from None
    except (IsADirectoryError, PermissionError) as exc:
        raise InputError(Problem(name, f"cannot read: {exc.strerror}")) from None


def read_panel(path: Path | str, *, columns: tuple[str, ...] = EWP_PREDICTORS,
               outcomes: tuple[str, ...] = ()):
    """Read the prepared-predictors CSV; check the columns we need and their types.

    ``columns`` are the predictors the caller needs; ``outcomes`` the outcome
    columns (none for prediction). Raises :class:`InputError` naming the file and,
    for a bad value, its line.
    """
    import pandas as pd

    path = Path(path)
    name = str(path)
    frame = read_csv(path, low_memory=False)
    needed = [*KEYS, *columns, *outcomes]
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise InputError(Problem(name, "missing column(s): " + ", ".join(missing)
                                 + " (expected EWP's prepared-predictors CSV, as published)",
                                 line=1))

    problems = []
    for col in dict.fromkeys(["ccode", "year", *columns, *outcomes]):
        raw = frame[col]
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() & raw.notna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            problems.append(Problem(name, f"column {col!r}: expected a number, got "
                                          f"{raw.iloc[row]!r}", line=row + 2))
            continue
        frame[col] = values.astype("float64")
    for col in ("ccode", "year"):
        if col in frame and frame[col].isna().any():
            row = int(frame[col].isna().to_numpy().nonzero()[0][0])
            problems.append(Problem(name, f"column {col!r} is empty", line=row + 2))
    for col in outcomes:
        if col in frame:
            vals = frame[col].dropna()
            if not vals.isin([0.0, 1.0]).all():
                row = int((~frame[col].isin([0.0, 1.0]) & frame[col].notna())
                          .to_numpy().nonzero()[0][0])
                problems.append(Problem(name, f"column {col!r}: an outcome must be 0 or 1, got "
                                              f"{frame[col].iloc[row]!r}", line=row + 2))
    if problems:
        raise InputError(problems)

    frame["ccode"] = frame["ccode"].astype("int64")
    frame["year"] = frame["year"].astype("int64")
    dup = frame.duplicated(["ccode", "year"])
    if dup.any():
        row = int(dup.to_numpy().nonzero()[0][0])
        raise InputError(Problem(name, f"duplicate country-year (ccode {frame['ccode'].iloc[row]},"
                                       f" year {frame['year'].iloc[row]})", line=row + 2))
    frame.attrs["source"] = name
    return frame


def training_rows(panel, base_year: int, target: Target):
    """Rows a forecast from ``base_year`` may learn from, and nothing later.

    The cut-off is applied before anything else looks at the outcomes, so a
    value of any outcome in a later year cannot reach the model.
    """
    cutoff = last_training_year(base_year, target)
    rows = panel[panel["year"] <= cutoff]
    rows = rows.dropna(subset=list(target.needs) + [target.column])
    return rows


def base_year_rows(panel, base_year: int, *, source: str = "--data"):
    """The predictor rows of ``base_year`` (one per country), or a clear error."""
    rows = panel[panel["year"] == base_year]
    if rows.empty:
        years = panel["year"]
        raise InputError(Problem(panel.attrs.get("source", source),
                                 f"no rows for year {base_year} (the file covers "
                                 f"{int(years.min())}-{int(years.max())})"))
    return rows


def evaluation_rows(panel, base_year: int, target: Target):
    """Rows of ``base_year`` whose outcome is observed, for scoring a backtest."""
    rows = base_year_rows(panel, base_year)
    return rows.dropna(subset=list(target.needs) + [target.column])
