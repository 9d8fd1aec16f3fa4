"""``tocsin demo``: a tour of Tocsin on the real data bundled with it.

Each step runs the real command it stands for (and prints it), on data shipped
inside the package, so the demo works on a machine without the project's
shared data folder. Outputs go to ``<home>/demo``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import typer

from tocsin.config import ensure_home

REPO = Path(__file__).resolve().parents[3]


def heading(text: str) -> None:
    typer.secho(f"\n== {text}", bold=True)


def _short(arg: str) -> str:
    # Print paths relative to where the user stands, so the commands can be re-typed.
    try:
        return str(Path(arg).relative_to(Path.cwd()))
    except ValueError:
        return arg


@dataclass
class Tour:
    home: Path
    out: Path
    run: Callable[[list[str]], int]  # the command line's ``main``

    def tocsin(self, *args: str | Path) -> None:
        """Run one ``tocsin`` command in-process, showing it; stop the demo if it fails."""
        argv = [str(a) for a in args]
        typer.secho("$ tocsin " + " ".join(_short(a) for a in argv), fg="cyan")
        code = self.run(argv)
        if code != 0:
            typer.secho(f"the demo stopped: `tocsin {argv[0]} {argv[1]}` exited {code}",
                        fg="red", err=True)
            raise typer.Exit(code)


def example_assessment() -> Path:
    path = REPO / "examples" / "assessment.yaml"
    if not path.is_file():
        raise typer.BadParameter(f"{path} not found: run the demo from a Tocsin checkout")
    return path


def show_frameworks(t: Tour) -> None:
    heading("1. Frameworks: the UN Framework of Analysis and the SG's 2013 report, as data")
    t.tocsin("framework", "list", "--home", t.home)


def assess(t: Tour, example: Path) -> None:
    heading("2. A national assessment: five assessors, scores, divergence, gaps, reports")
    t.tocsin("assess", "score", example, "--home", t.home)
    t.tocsin("assess", "report", example, "-o", t.out / "assessment.html", "--home", t.home)
    t.tocsin("assess", "report", example, "-o", t.out / "assessment.pdf", "--home", t.home)


def events(t: Tour) -> None:
    from tocsin.events.samples import paths

    heading("3. Conflict events: bundled UCDP GED and GDELT samples into the event store")
    t.tocsin("events", "ingest", *paths(), "--home", t.home)
    t.tocsin("events", "stats", "--home", t.home)


def warn(t: Tour) -> None:
    heading("4. Early warning: weekly signals, escalation detection, alerts")
    t.tocsin("warn", "run", "--home", t.home)
    typer.echo("(every alert, with its events, indicators and preventive options: "
               "tocsin warn alerts --format json)")


def forecast(t: Tour) -> Path:
    from importlib.resources import files

    heading("5. Forecast: risk of a new mass killing in 2025-26, from base year 2024")
    data = Path(str(files("tocsin.forecast") / "data"))
    result = t.out / "forecast-2024.csv"
    t.tocsin("forecast", "predict", "--model", data / "model-2024.json",
             "--data", data / "predictors-2024.csv", "--year", "2024", "-o", result)
    with result.open() as f:
        rows = list(csv.DictReader(f))
    rows.sort(key=lambda r: -float(r["probability"]))
    typer.echo("Ten highest (probability of onset within two years):")
    for r in rows[:10]:
        typer.echo(f"  {r['country']}  {float(r['probability']):.3f}")
    return result


def site(t: Tour, example: Path, host: str, port: int, serve: bool) -> None:
    """Set the site up under the home, print the accounts once, then serve (until
    interrupted) unless ``serve`` is False."""
    from tocsin.web import demo, server, setup

    heading("6. The site")
    setup(t.home)
    row, accounts = demo.setup(example)
    typer.echo(f"\nThe site: http://{host}:{port}/  (assessment: /assessments/{row.pk}/)")
    typer.echo("Demo accounts, one per role (new passwords on every run, shown only here):")
    for a in accounts:
        typer.echo(f"  {a['role']:<14} {a['username']:<12} {a['password']}   {a['job']}")
    if serve:
        server.serve(host, port)


def run_demo(home: Path | None, host: str, port: int, serve: bool,
             run: Callable[[list[str]], int]) -> None:
    home = ensure_home(home)
    out = home / "demo"
    out.mkdir(exist_ok=True)
    typer.echo(f"Tocsin demo: state in {home}, outputs in {out}")
    t = Tour(home, out, run)
    example = example_assessment()
    show_frameworks(t)
    assess(t, example)
    events(t)
    warn(t)
    forecast(t)
    site(t, example, host, port, serve)
