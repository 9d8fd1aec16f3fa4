"""What changed between two assessments of the same country and framework.

Both are scored with the same method and compared on the consensus: per
indicator (level up, down, newly rated, no longer rated), per risk factor
(score and level), overall, per resilience measure and per trigger. Only
differences are listed for indicators; every risk factor is listed.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from tocsin.assessment.model import Assessment
from tocsin.assessment.scoring import score
from tocsin.errors import InputError, Problem
from tocsin.framework import Framework


class IndicatorChange(BaseModel):
    id: str
    risk_factor: str
    old: float | None
    new: float | None
    change: float | None          # new - old; None when one side is unrated
    kind: str                     # "up", "down", "newly-rated", "no-longer-rated"


class RiskFactorChange(BaseModel):
    id: str
    name: str
    old_score: float | None
    new_score: float | None
    change: float | None
    old_level: str
    new_level: str
    old_coverage: float
    new_coverage: float


class MeasureChange(BaseModel):
    id: str
    name: str
    old_score: float | None
    new_score: float | None
    change: float | None


class Comparison(BaseModel):
    country: str
    framework: str
    old_file: str | None
    new_file: str | None
    old_date: dt.date
    new_date: dt.date
    old_overall: float | None
    new_overall: float | None
    old_level: str
    new_level: str
    overall_change: float | None
    risk_factors: list[RiskFactorChange]
    indicators: list[IndicatorChange]
    measures: list[MeasureChange]
    triggers_new: list[str]       # observed now, not before
    triggers_gone: list[str]      # observed before, not now


def _diff(old: float | None, new: float | None) -> float | None:
    return None if old is None or new is None else round(new - old, 1)


def compare(old: Assessment, new: Assessment, fw: Framework, *, old_file: str | None = None,
            new_file: str | None = None) -> Comparison:
    """Compare two assessments; raise ``InputError`` if they are not comparable."""
    problems = []
    if old.country != new.country or old.subnational != new.subnational:
        problems.append(Problem(new_file or "<new>", f"assesses {new.country}"
                                f"{'/' + new.subnational if new.subnational else ''} but the "
                                f"old assessment is of {old.country}"
                                f"{'/' + old.subnational if old.subnational else ''}; expected "
                                "the same country and unit"))
    if (old.framework, old.framework_version) != (new.framework, new.framework_version):
        problems.append(Problem(new_file or "<new>", f"uses {new.framework} "
                                f"{new.framework_version} but the old assessment uses "
                                f"{old.framework} {old.framework_version}; expected the same "
                                "framework version (indicators would not line up)"))
    if problems:
        raise InputError(problems)
    a, b = score(old, fw), score(new, fw)
    indicators = []
    for x, y in zip(a.indicators, b.indicators, strict=True):
        if x.consensus == y.consensus:
            continue
        if x.consensus is None:
            kind = "newly-rated"
        elif y.consensus is None:
            kind = "no-longer-rated"
        else:
            kind = "up" if y.consensus > x.consensus else "down"
        indicators.append(IndicatorChange(id=x.id, risk_factor=x.risk_factor, old=x.consensus,
                                          new=y.consensus, change=_diff(x.consensus, y.consensus),
                                          kind=kind))
    risk_factors = [
        RiskFactorChange(id=x.id, name=x.name, old_score=x.score, new_score=y.score,
                         change=_diff(x.score, y.score), old_level=x.level, new_level=y.level,
                         old_coverage=x.coverage, new_coverage=y.coverage)
        for x, y in zip(a.risk_factors, b.risk_factors, strict=True)
    ]
    measures = [MeasureChange(id=x.id, name=x.name, old_score=x.score, new_score=y.score,
                              change=_diff(x.score, y.score))
                for x, y in zip(a.measures, b.measures, strict=True)]
    old_seen = {t.id for t in a.triggers if t.observed}
    new_seen = {t.id for t in b.triggers if t.observed}
    return Comparison(
        country=new.country, framework=new.framework, old_file=old_file, new_file=new_file,
        old_date=old.date, new_date=new.date, old_overall=a.overall.score,
        new_overall=b.overall.score, old_level=a.overall.level, new_level=b.overall.level,
        overall_change=_diff(a.overall.score, b.overall.score), risk_factors=risk_factors,
        indicators=indicators, measures=measures,
        triggers_new=[t.id for t in b.triggers if t.id in new_seen - old_seen],
        triggers_gone=[t.id for t in a.triggers if t.id in old_seen - new_seen],
    )


def _num(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "-"
    return f"{x:+.1f}" if signed else f"{x:.1f}"


def comparison_text(c: Comparison) -> str:
    lines = [
        f"{c.country}  {c.framework}: {c.old_date} -> {c.new_date}",
        f"Overall risk: {_num(c.old_overall)} ({c.old_level}) -> {_num(c.new_overall)} "
        f"({c.new_level}), change {_num(c.overall_change, True)}",
        "",
        f"{'RF':>3}  {'old':>5}  {'new':>5}  {'change':>6}  level",
    ]
    for rf in c.risk_factors:
        level = (rf.new_level if rf.old_level == rf.new_level
                 else f"{rf.old_level} -> {rf.new_level}")
        lines.append(f"{rf.id:>3}  {_num(rf.old_score):>5}  {_num(rf.new_score):>5}  "
                     f"{_num(rf.change, True):>6}  {level}")
    lines += ["", f"Indicators changed: {len(c.indicators)}"]
    for ind in c.indicators:
        lines.append(f"  {ind.id:<6} {_num(ind.old):>4} -> {_num(ind.new):<4} {ind.kind}")
    moved = [m for m in c.measures if m.change]
    if moved:
        lines += ["", "Resilience measures changed:"]
        lines += [f"  {m.id:<28} {_num(m.old_score):>5} -> {_num(m.new_score):>5}" for m in moved]
    if c.triggers_new or c.triggers_gone:
        lines += ["", "Triggers newly observed: " + (", ".join(c.triggers_new) or "none"),
                  "Triggers no longer observed: " + (", ".join(c.triggers_gone) or "none")]
    return "\n".join(lines)
