"""``tocsin assess``: write a template, score, compare and report national assessments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tocsin import countries
from tocsin.cli.options import Format, FormatOption, HomeOption, emit_json, report_findings
from tocsin.errors import InputError, UnreadableError

app = typer.Typer(help="National assessment of risk and resilience: template, score, "
                       "compare, report.", no_args_is_help=True)

LEVEL_LABEL = {"low": "low", "moderate": "moderate", "high": "HIGH", "very-high": "VERY HIGH",
               "insufficient": "insufficient ratings", "not-rated": "not rated"}


@app.command()
def init(
    country: Annotated[str, typer.Option("--country", help="ISO 3166-1 alpha-3 code")],
    framework: Annotated[str, typer.Option("--framework", help="framework id, e.g. un-foa-2014")],
    output: Annotated[Path, typer.Option("-o", "--output", help="YAML file to write")],
    subnational: Annotated[str | None, typer.Option(help="sub-national unit")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite OUTPUT")] = False,
    home: HomeOption = None,
) -> None:
    """Write a blank assessment listing every indicator, measure and trigger of a framework."""
    from tocsin.assessment.io import dump_template, new_assessment
    from tocsin.atomic import write_atomic
    from tocsin.framework import load_framework

    if output.exists() and not force:
        raise InputError.single(output, "already exists; expected a new file (or --force)")
    if not output.parent.is_dir():
        raise InputError.single(output, f"folder {output.parent} does not exist")
    country = countries.check(country, "--country")
    fw = load_framework(framework, home)
    a = new_assessment(fw, country, subnational=subnational)
    write_atomic(output, dump_template(a, fw))
    typer.echo(f"wrote {output}: {len(fw.indicators)} indicators, "
               f"{len(fw.resilience_measures)} measures, {len(fw.triggers)} triggers, "
               f"{len(a.assessors)} placeholder assessors")


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="assessment YAML file")],
    home: HomeOption = None,
    format: FormatOption = Format.text,
) -> None:
    """Check an assessment file. Exit 0 valid, 1 invalid (every problem listed), 2 unreadable."""
    from tocsin.assessment.io import load_assessment
    from tocsin.warning.rules import load_rules

    rules = {r.id for r in load_rules(home)}
    try:
        a = load_assessment(file, home, alert_rules=rules)
    except UnreadableError:
        raise
    except InputError as exc:
        report_findings(exc.problems, format, {"file": str(file)}, label=str(file))
        return
    report_findings([], format, {"file": str(file), "country": a.country,
                                 "framework": a.framework,
                                 "framework_version": a.framework_version,
                                 "assessors": len(a.assessors)},
                    [f"{file}: valid: {a.country}, {a.framework} {a.framework_version}, "
                     f"{len(a.assessors)} assessors"])


@app.command("score")
def score_(
    file: Annotated[Path, typer.Argument(help="assessment YAML file")],
    home: HomeOption = None,
    format: FormatOption = Format.text,
) -> None:
    """Score an assessment: risk factors, overall risk, resilience, divergence, gaps."""
    from tocsin.assessment.io import load_with_framework
    from tocsin.assessment.scoring import score

    a, fw = load_with_framework(file, home)
    card = score(a, fw)
    if format is Format.json:
        emit_json(card.model_dump(mode="json"))
    else:
        typer.echo(scorecard_text(card))


@app.command()
def compare(
    old: Annotated[Path, typer.Argument(help="earlier assessment")],
    new: Annotated[Path, typer.Argument(help="later assessment")],
    home: HomeOption = None,
    format: FormatOption = Format.text,
) -> None:
    """What changed between two assessments of the same country, per indicator and risk factor.

    Exits 0 whenever both files are valid, whatever changed: a change is a finding to
    read, not an error. Exits 2 if a file is invalid or the two are not comparable
    (another country, unit or framework version)."""
    from tocsin.assessment.compare import compare as compare_
    from tocsin.assessment.compare import comparison_text
    from tocsin.assessment.io import load_assessment
    from tocsin.framework import load_framework

    a_old = load_assessment(old, home)
    a_new = load_assessment(new, home)
    fw = load_framework(a_new.framework, home)
    result = compare_(a_old, a_new, fw, old_file=str(old), new_file=str(new))
    if format is Format.json:
        emit_json(result.model_dump(mode="json"))
    else:
        typer.echo(comparison_text(result))


@app.command()
def report(
    file: Annotated[Path, typer.Argument(help="assessment YAML file")],
    output: Annotated[Path, typer.Option("-o", "--output", help="OUT.html or OUT.pdf")],
    include_sensitive: Annotated[bool, typer.Option(
        "--include-sensitive", help="include evidence marked sensitive (may identify "
        "witnesses); for restricted distribution only")] = False,
    home: HomeOption = None,
) -> None:
    """Write the assessment report as self-contained HTML or as PDF."""
    from tocsin.assessment.io import load_with_framework
    from tocsin.atomic import write_atomic

    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InputError.single(output, "expected an output file ending in .html or .pdf")
    if not output.parent.is_dir():
        raise InputError.single(output, f"folder {output.parent} does not exist")
    a, fw = load_with_framework(file, home)
    from tocsin.reports.assessment import render_html, render_pdf

    if suffix == ".pdf":
        write_atomic(output, render_pdf(a, fw, include_sensitive=include_sensitive))
    else:
        write_atomic(output, render_html(a, fw, include_sensitive=include_sensitive))
    note = " (includes sensitive evidence)" if include_sensitive else ""
    typer.echo(f"wrote {output}{note}")


def scorecard_text(card) -> str:
    o = card.overall
    where = f" / {card.subnational}" if card.subnational else ""
    lines = [
        f"{card.country}{where}  {card.framework} {card.framework_version}  "
        f"{card.period[0]} to {card.period[1]}  ({card.status}, {len(card.assessors)} assessors)",
        "",
        f"Overall risk: {LEVEL_LABEL[o.level]}"
        + (f" ({o.score:.1f}/100)" if o.score is not None else "")
        + f"; driven by risk factors {', '.join(o.drivers) or '-'}"
        + ("  [provisional: some risk factors are not rated enough]" if o.provisional else ""),
        "Resilience: " + (f"{card.resilience.score:.1f}/100 ({card.resilience.level})"
                          if card.resilience.score is not None else "not rated")
        + f", {card.resilience.coverage:.0%} of measures rated",
        "",
        f"{'RF':>3}  {'score':>5}  {'cover':>5}  {'level':<20} {'gov':>5} {'cso':>5}  name",
    ]
    for rf in card.risk_factors:
        score = f"{rf.score:5.1f}" if rf.score is not None else "    -"
        gov = f"{rf.government:5.1f}" if rf.government is not None else "    -"
        cso = f"{rf.civil_society:5.1f}" if rf.civil_society is not None else "    -"
        lines.append(f"{rf.id:>3}  {score}  {rf.coverage:5.0%}  {LEVEL_LABEL[rf.level]:<20} "
                     f"{gov} {cso}  {rf.name}")
    flagged = [i for i in card.indicators if i.disagreement]
    lines += ["", f"Disagreement (assessors 2+ levels apart): {len(flagged)} indicators"
              + (": " + ", ".join(i.id for i in flagged[:20]) if flagged else "")]
    d = card.divergence
    if d.mean_divergence is not None:
        direction = ("civil society rates higher" if d.mean_divergence > 0
                     else "government rates higher" if d.mean_divergence < 0 else "no difference")
        lines.append(f"Government vs civil society: mean {d.mean_divergence:+.2f} levels "
                     f"({direction}) over {d.compared_indicators} indicators; "
                     f"{len(d.flagged)} a whole level apart or more"
                     + (": " + ", ".join(d.flagged[:20]) if d.flagged else ""))
    else:
        lines.append("Government vs civil society: not comparable (needs both groups)")
    observed = [t for t in card.triggers if t.observed]
    lines.append("Triggers observed: " + (", ".join(
        f"{t.id} ({len(t.observed_by)}/{len(card.assessors)})" for t in observed) or "none"))
    if card.gaps:
        lines += ["", "Top gaps (high risk factor, weak mitigating measure):"]
        for g in card.gaps[:8]:
            res = "not assessed" if g.resilience_score is None else f"{g.resilience_score:.0f}"
            lines.append(f"  {g.rank:>2}. RF {g.risk_factor} ({g.risk_score:.0f}) <- "
                         f"{g.measure} (resilience {res})  severity {g.severity:.1f}")
    return "\n".join(lines)
