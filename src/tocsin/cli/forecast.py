"""``tocsin forecast``: train, predict, backtest, score and explain.

Heavy libraries (pandas, scikit-learn, LightGBM, Altair) are imported inside the
commands so that ``tocsin --help`` stays quick.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tocsin.cli.options import Format, FormatOption, emit_json
from tocsin.errors import InputError, Problem

app = typer.Typer(
    help="Statistical risk of mass-killing onset from the Early Warning Project's data: "
         "train, predict, backtest, score, explain.",
    no_args_is_help=True,
)


class TargetName(StrEnum):
    two_year = "1or2"
    one_year = "1"


class ModelKind(StrEnum):
    ensemble = "ensemble"
    rank_ensemble = "rank-ensemble"
    rank = "rank"
    gbm = "gbm"
    ewp = "ewp"
    no_skill = "no-skill"


DataOpt = typer.Option(..., "--data", help="EWP prepared-predictors CSV, as published.")
# Every command takes --home (README); the forecast commands keep no state: they read
# and write only the files named on the command line, whatever the home.
NoStateHome = Annotated[
    Path | None,
    typer.Option("--home", show_default=False,
                 help="Accepted as by every command; forecast commands keep no state and "
                      "read and write only the files named."),
]
TargetOpt = typer.Option(TargetName.two_year, "--target",
                         help="1or2: onset within 2 years (mk_onset_1or2); 1: next year.")


def _out_dir_ok(path: Path) -> None:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(Problem(str(path), f"directory {parent} does not exist"))


@app.command()
def train(
    data: Path = DataOpt,
    until: int = typer.Option(..., "--until", help="Base year B: learn only outcomes known "
                                                   "at B (years <= B-2 for 1or2, <= B-1 for 1)."),
    out: Path = typer.Option(..., "-o", "--output", help="Model file to write (JSON)."),
    target: TargetName = TargetOpt,
    model: ModelKind = typer.Option(ModelKind.rank, "--model",
                                    help="Which model (default: rank, the chosen one)."),
    home: NoStateHome = None,
) -> None:
    """Fit a model on what was knowable at base year B and write the model file."""
    from tocsin.forecast.modelfile import save_model
    from tocsin.forecast.panel import get_target
    from tocsin.forecast.workflow import train as fit

    _out_dir_ok(out)
    tgt = get_target(target.value)
    fitted, info = fit(data, until, tgt, model.value)
    save_model(out, fitted, **info)
    first, last = info["train_years"]
    typer.echo(f"wrote {out}: {model.value} for {tgt.column}, base year {until}, trained on "
               f"{info['train_rows']} rows of years {first}-{last} (cut-off "
               f"{info['train_until']}; {info['train_onsets']} onsets)")


@app.command()
def predict(
    model_file: Path = typer.Option(..., "--model", help="Model file from `forecast train`."),
    data: Path = DataOpt,
    year: int = typer.Option(..., "--year", help="Base year whose predictors to use."),
    out: Path = typer.Option(..., "-o", "--output", help="CSV to write."),
    drivers: int = typer.Option(3, "--drivers", min=0, max=10,
                                help="Drivers up and down per country."),
    home: NoStateHome = None,
) -> None:
    """Write country,year,probability (+ rank and drivers), one row per country."""
    from tocsin.atomic import write_atomic
    from tocsin.forecast.modelfile import load_model
    from tocsin.forecast.workflow import predict as run

    _out_dir_ok(out)
    model, header = load_model(model_file)
    # Look-ahead only if the model learnt a row whose outcome was unknown at `year`;
    # EWP's held-out years mean a 2024 model learnt rows to 2014, fine for 2016 on.
    horizon = 1 if header["target"] == "mk_onset_1" else 2
    learnt = (header.get("train_years") or [None, header["train_until"]])[1]
    if learnt > year - horizon:
        typer.echo(f"warning: the model learnt outcomes of rows up to {learnt}, so a "
                   f"forecast from {year} is not out-of-sample", err=True)
    table = run(model, header, data, year, k=drivers)
    write_atomic(out, table.to_csv(index=False, lineterminator="\n"))
    top = ", ".join(f"{r.country} {r.probability:.1%}" for r in table.head(5).itertuples())
    typer.echo(f"wrote {out}: {len(table)} countries, base year {year}, "
               f"{header['target']}; highest: {top}")


@app.command()
def backtest(
    data: Path = DataOpt,
    start: int = typer.Option(..., "--from", help="First base year."),
    end: int = typer.Option(..., "--to", help="Last base year (2014 is the last with a "
                                              "complete 2-year outcome; 2015 for 1-year)."),
    target: TargetName = TargetOpt,
    fmt: FormatOption = Format.text,
    models: str = typer.Option("no-skill,ewp,gbm,ensemble,rank,rank-ensemble", "--models",
                               help="Comma-separated: no-skill, ewp, gbm, ensemble, rank, "
                                    "rank-ensemble."),
    chart: Path | None = typer.Option(None, "--chart", help="Write a calibration chart "
                                                            "(.png or .svg)."),
    predictions: Path | None = typer.Option(None, "--predictions",
                                            help="Also write every prediction to this CSV."),
    jobs: int = typer.Option(1, "--jobs", min=1, help="Base years fitted in parallel."),
    home: NoStateHome = None,
) -> None:
    """Rolling-origin backtest: per base year, fit on what was known then, score that year."""
    from tocsin.atomic import write_atomic
    from tocsin.forecast.backtest import format_table, run_backtest
    from tocsin.forecast.estimators import ALL_MODELS
    from tocsin.forecast.panel import OUTCOMES, evaluation_rows, get_target, read_panel, sha256_file

    tgt = get_target(target.value)
    kinds = tuple(m.strip() for m in models.split(",") if m.strip())
    bad = [m for m in kinds if m not in ALL_MODELS]
    if bad or not kinds:
        raise InputError(Problem("--models", f"unknown model(s) {', '.join(bad) or '(none)'}; "
                                             f"expected some of {', '.join(ALL_MODELS)}"))
    if start > end:
        raise InputError(Problem("--from/--to", f"--from {start} is after --to {end}"))
    for p in (chart, predictions):
        if p is not None:
            _out_dir_ok(p)
    if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
        raise InputError(Problem(str(chart), "chart file must end in .png or .svg"))
    panel = read_panel(data, outcomes=tuple(o for o in OUTCOMES if o != "mk_onset"))
    for y in range(start, end + 1):
        rows = evaluation_rows(panel, y, tgt)
        if rows.empty:
            raise InputError(Problem(str(data), f"base year {y} has no rows with a known "
                                                f"{tgt.column} (outcomes after 2016 are held "
                                                "out; the last complete base year is "
                                                f"{2016 - tgt.horizon})"))
    result = run_backtest(panel, range(start, end + 1), tgt, kinds, n_jobs=jobs)
    if predictions is not None:
        write_atomic(predictions, result.predictions.to_csv(index=False, lineterminator="\n"))
    if chart is not None:
        from tocsin.forecast.calibration import calibration_chart

        calibration_chart(result.predictions, chart,
                          title=f"Calibration, {tgt.column}, base years {start}-{end}")
    if fmt is Format.json:
        emit_json(result.to_json(sha256_file(data), str(data)))
    else:
        typer.echo(format_table(result))


@app.command()
def score(
    forecasts: list[str] = typer.Argument(..., metavar="[LABEL=]FORECAST[:COLUMN]",
                                          help="Forecast CSVs: `forecast predict` output or "
                                               "EWP's published result files. Files with the "
                                               "same LABEL are one forecaster (one file per "
                                               "edition). The first forecaster is the "
                                               "reference the others are compared with."),
    outcomes: Path = typer.Option(..., "--outcomes", help="Mass-killing file with ccode, year "
                                                          "and mk_onset (EWP's basedata or "
                                                          "mkl_data)."),
    years: list[int] = typer.Option(..., "--year", help="Base year the forecasts were made "
                                                        "from; repeat to pool several."),
    target: TargetName = TargetOpt,
    fmt: FormatOption = Format.text,
    home: NoStateHome = None,
) -> None:
    """Score published forecasts against what happened, side by side on the same countries."""
    from tocsin.forecast.panel import get_target
    from tocsin.forecast.score import format_scores, score_forecasts

    scores = score_forecasts(forecasts, outcomes, years, get_target(target.value))
    if fmt is Format.json:
        emit_json(scores.to_json())
    else:
        typer.echo(format_scores(scores))


@app.command()
def explain(
    model_file: Path = typer.Option(..., "--model", help="Model file from `forecast train`."),
    data: Path = DataOpt,
    year: int = typer.Option(..., "--year", help="Base year."),
    country: str = typer.Option(..., "--country", help="ISO3 code (or EWP ccode)."),
    top: int = typer.Option(5, "--top", min=1, max=39, help="Drivers each way."),
    fmt: FormatOption = Format.text,
    home: NoStateHome = None,
) -> None:
    """Why one country's risk is what it is: the predictors pushing it up and down."""
    from tocsin.forecast.explain import driver_line, explain_row
    from tocsin.forecast.modelfile import load_model
    from tocsin.forecast.panel import base_year_rows, read_panel
    from tocsin.forecast.workflow import iso3_by_ccode

    model, header = load_model(model_file)
    rows = base_year_rows(read_panel(data, columns=tuple(header["features"])), year)
    iso = iso3_by_ccode()
    codes = [iso.get(int(c), "") for c in rows["ccode"]]
    match = [i for i, (code, cc) in enumerate(zip(codes, rows["ccode"], strict=True))
             if code == country.upper() or str(int(cc)) == country]
    if not match:
        raise InputError(Problem("--country", f"no row for {country!r} in year {year}"))
    label = rows.index[match[0]]
    prob = float(model.predict_proba(rows.loc[[label]])[0, 1])
    detail = explain_row(model, rows, label, k=top)
    doc = {"country": codes[match[0]], "ewp_name": rows.loc[label, "ewp_name"], "year": year,
           "target": header["target"], "probability": prob, **detail}
    if fmt is Format.json:
        emit_json(doc)
        return
    typer.echo(f"{doc['ewp_name']} ({doc['country']}), base year {year}: "
               f"{prob:.1%} ({header['target']})")
    for side in ("up", "down"):
        typer.echo(f"pushing risk {side}:")
        for d in detail[side]:
            typer.echo(driver_line(d))
