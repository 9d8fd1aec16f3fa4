"""``tocsin demo``: a tour of Tocsin on the real data bundled with it.

Each step runs the real command it stands for (and prints it), on data shipped
inside the package, so the demo works on a machine without the project's
shared data folder. Outputs go to ``<home>/demo``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import typer

from tocsin.home import ensure_home

REPO = Path(__file__).resolve().parents[2]


def heading(text: str) -> None:
    typer.secho(f"\n== {text}", bold=True)


def tocsin(*args: str | Path) -> None:
    """Run one ``tocsin`` command in-process, showing it; stop the demo if it fails."""
    from tocsin.cli import main

    argv = [str(a) for a in args]
    typer.secho("$ tocsin " + " ".join(_short(a) for a in argv), fg="cyan")
    code = main(argv)
    if code != 0:
        typer.secho(f"the demo stopped: `tocsin {argv[0]} {argv[1]}` exited {code}",
                    fg="red", err=True)
        raise typer.Exit(code)


def _short(arg: str) -> str:
    # Print paths relative to where the user stands, so the commands can be re-typed.
    try:
        return str(Path(arg).relative_to(Path.cwd()))
    except ValueError:
        return arg


def example_assessment() -> Path:
    path = REPO / "examples" / "assessment.yaml"
    if not path.is_file():
        raise typer.BadParameter(f"{path} not found: run the demo from a Tocsin checkout")
    return path


def show_frameworks(home: Path) -> None:
    heading("1. Frameworks: the UN Framework of Analysis and the SG's 2013 report, as data")
    tocsin("framework", "list", "--home", home)


def assess(home: Path, out: Path, example: Path) -> None:
    heading("2. A national assessment: five assessors, scores, divergence, gaps, reports")
    tocsin("assess", "score", example, "--home", home)
    tocsin("assess", "report", example, "-o", out / "assessment.html", "--home", home)
    typer.echo("(the PDF takes about half a minute: charts and page layout)")
    tocsin("assess", "report", example, "-o", out / "assessment.pdf", "--home", home)


def events(home: Path) -> None:
    from tocsin.events.samples import paths

    heading("3. Conflict events: bundled UCDP GED and GDELT samples into the event store")
    tocsin("events", "ingest", *paths(), "--home", home)
    tocsin("events", "stats", "--home", home)


def warn(home: Path) -> None:
    heading("4. Early warning: weekly signals, escalation detection, alerts")
    tocsin("warn", "run", "--home", home)
    typer.echo("(every alert, with its events, indicators and preventive options: "
               "tocsin warn alerts --format json)")


def forecast(home: Path, out: Path) -> Path:
    from importlib.resources import files

    heading("5. Forecast: risk of a new mass killing in 2025-26, from base year 2024")
    data = Path(str(files("tocsin.forecast") / "data"))
    result = out / "forecast-2024.csv"
    tocsin("forecast", "predict", "--model", data / "model-2024.json",
           "--data", data / "predictors-2024.csv", "--year", "2024", "-o", result)
    with result.open() as f:
        rows = list(csv.DictReader(f))
    rows.sort(key=lambda r: -float(r["probability"]))
    typer.echo("Ten highest (probability of onset within two years):")
    for r in rows[:10]:
        typer.echo(f"  {r['country']}  {float(r['probability']):.3f}")
    return result


def run_demo(home: Path | None, host: str, port: int, serve: bool) -> None:
    home = ensure_home(home)
    out = home / "demo"
    out.mkdir(exist_ok=True)
    typer.echo(f"Tocsin demo: state in {home}, outputs in {out}")
    example = example_assessment()
    show_frameworks(home)
    assess(home, out, example)
    events(home)
    warn(home)
    forecast(home, out)

    heading("6. The site")
    from tocsin.web.demo import run

    run(home, example, host=host, port=port, serve=serve)
