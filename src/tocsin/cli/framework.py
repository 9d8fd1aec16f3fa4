"""``tocsin framework``: list, show and validate frameworks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tocsin.cli.options import Format, FormatOption, HomeOption, emit_json, report_findings
from tocsin.errors import InputError, UnreadableError

app = typer.Typer(help="The atrocity-prevention frameworks: list, show, validate.",
                  no_args_is_help=True)

MARK = {"checked": "checked", "recalled-high": "recalled-high", "recalled-low": "RECALLED-LOW"}


@app.command("list")
def list_(home: HomeOption = None, format: FormatOption = Format.text) -> None:
    """List the frameworks Tocsin can use (shipped, and local ones under HOME/frameworks)."""
    from tocsin.framework.loader import list_frameworks

    entries = list_frameworks(home)
    if format is Format.json:
        emit_json([{"id": e.id, "version": e.version, "title": e.title,
                    "origin": e.origin, "extends": e.extends} for e in entries])
        return
    width = max(len(e.id) for e in entries)
    for e in entries:
        extends = f" (extends {e.extends})" if e.extends else ""
        typer.echo(f"{e.id:<{width}}  {e.version:<10} {e.origin:<8} {e.title}{extends}")


@app.command()
def show(
    framework_id: Annotated[str, typer.Argument(metavar="ID", help="framework id or YAML file")],
    home: HomeOption = None,
    format: FormatOption = Format.text,
) -> None:
    """Show a framework: its risk factors and indicators, with how far each text is verified."""
    from tocsin.framework.loader import load_framework

    fw = load_framework(framework_id, home)
    if format is Format.json:
        emit_json(framework_json(fw))
    else:
        typer.echo(framework_text(fw))


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="framework YAML file")],
    home: HomeOption = None,
    format: FormatOption = Format.text,
) -> None:
    """Check a framework file. Exit 0 valid, 1 invalid (every problem listed), 2 unreadable."""
    from tocsin.framework.loader import load_framework

    try:
        fw = load_framework(file, home)
    except UnreadableError:
        raise
    except InputError as exc:
        report_findings(exc.problems, format, {"file": str(file)}, label=str(file))
        return
    report_findings([], format, {
        "file": str(file), "id": fw.id, "version": fw.version,
        "indicators": len(fw.indicators), "by_verification": fw.verification_counts()},
        [f"{file}: valid: {fw.id} {fw.version}, {len(fw.risk_factors)} risk factors, "
         f"{len(fw.indicators)} indicators"])


def framework_json(fw) -> dict:
    """The stable JSON form of a framework (documented in docs/frameworks.md)."""
    data = fw.model_dump(mode="json", by_alias=True, exclude={"file"})
    data["counts"] = {
        "risk_factors": len(fw.risk_factors),
        "indicators": len(fw.indicators),
        "expected_indicator_total": fw.expected_indicator_total,
        "by_verification": fw.verification_counts(),
        "triggers": len(fw.triggers),
        "resilience_measures": len(fw.resilience_measures),
        "recommendations": len(fw.recommendations),
    }
    return data


def framework_text(fw) -> str:
    counts = fw.verification_counts()
    total = len(fw.indicators)
    lines = [f"{fw.title} [{fw.id} {fw.version}, {fw.language}]"]
    if fw.based_on:
        lines.append(f"  draws on: {', '.join(fw.based_on)}")
    expected = fw.expected_indicator_total
    of = f" of the {expected} in the source" if expected else ""
    lines.append(f"  {len(fw.risk_factors)} risk factors, {total} indicators{of}")
    lines.append("  indicator texts: " + ", ".join(f"{n} {k}" for k, n in counts.items())
                 + "  (only 'checked' texts were compared with a transcription of the source)")
    for gap in fw.gaps:
        lines.append(f"  gap: {gap}")
    lines.append("")
    for rf in fw.risk_factors:
        expected = (f", {rf.expected_indicators} in the source"
                    if rf.expected_indicators is not None
                    and rf.expected_indicators != len(rf.indicators) else "")
        unverified = "" if rf.name_verification == "checked" else f" (name {rf.name_verification})"
        lines.append(f"{rf.id:>3}  {rf.name}{unverified}  [{rf.set}; "
                     f"{len(rf.indicators)} indicators{expected}]")
        for ind in rf.indicators:
            lines.append(f"     {ind.id:<6} {MARK[ind.verification]:<13} {ind.text}")
    if fw.triggers:
        lines += ["", "Triggers"]
        lines += [f"     {t.id:<24} {t.name} -> {', '.join(t.indicators)}" for t in fw.triggers]
    if fw.resilience_measures:
        lines += ["", "Resilience measures (policy options)"]
        for m in fw.resilience_measures:
            states = sorted({s for p in m.state_practice for s in p.states})
            practice = f"  state practice: {', '.join(states)}" if states else ""
            lines.append(f"     {m.id:<28} {m.name}{practice}")
    if fw.recommendations:
        lines += ["", "Recommendations"]
        lines += [f"     {r.id:<4} {r.title}" for r in fw.recommendations]
    return "\n".join(lines)
