"""``tocsin demo``: a tour of Tocsin on the real data bundled with it.

Each step uses the same library code as the commands it stands for, on data
shipped inside the package, so the demo works on a machine without the
project's shared data folder.
"""

from __future__ import annotations

from pathlib import Path

import typer

from tocsin.home import ensure_home


def heading(text: str) -> None:
    typer.secho(f"\n== {text}", bold=True)


def show_frameworks(home: Path) -> None:
    from tocsin.framework import list_frameworks, load_framework

    heading("Frameworks (tocsin framework list / show)")
    for entry in list_frameworks(home):
        fw = load_framework(entry.id, home)
        counts = fw.verification_counts()
        expected = f" of {fw.expected_indicator_total}" if fw.expected_indicator_total else ""
        typer.echo(f"  {fw.id:<12} {fw.title}")
        typer.echo(f"  {'':<12} {len(fw.risk_factors)} risk factors, {len(fw.indicators)}"
                   f"{expected} indicators ({counts['checked']} checked, "
                   f"{counts['recalled-high']} recalled-high, {counts['recalled-low']} "
                   f"recalled-low), {len(fw.triggers)} triggers, "
                   f"{len(fw.resilience_measures)} resilience measures")


def run_demo(home: Path | None, host: str, port: int, serve: bool) -> None:
    home = ensure_home(home)
    typer.echo(f"Tocsin demo; state kept in {home}")
    show_frameworks(home)
