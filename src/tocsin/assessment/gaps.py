"""Gap analysis: high risk factors whose mitigating measures are weak.

A gap is one (risk factor, resilience measure) pair: the factor scores at or
above ``GAP_RISK`` or is one of the factors driving the overall risk, and a
measure the framework says mitigates it scores below ``GAP_RESILIENCE`` (or was
not assessed, which counts as absent: resilience is not assumed). Gaps are
ranked by ``severity = risk score x (1 - resilience/100)``, so a very high
factor with nothing in place comes first. Each gap carries the policy option
(the measure's description), the state practice the report cites, and the
recommendations that name the measure.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from tocsin.framework import Framework

GAP_RISK = 50.0               # risk factors at or above this score are examined for gaps
GAP_RESILIENCE = 70.0         # measures below this score (not "strong") leave a gap


class Practice(BaseModel):
    states: list[str]
    text: str


class Gap(BaseModel):
    rank: int
    risk_factor: str
    risk_factor_name: str
    risk_score: float
    risk_level: str
    measure: str
    measure_name: str
    heading: str
    resilience_score: float | None           # None: not assessed, ranked as absent
    resilience_level: str
    severity: float                          # 0-100
    option: str                              # the policy option: the measure's description
    state_practice: list[Practice]
    recommendations: list[str]               # e.g. "R1 Appoint a senior-level R2P focal point"


def gap_analysis(risk_factors: Iterable, measures: Iterable, drivers: Iterable[str],
                 fw: Framework) -> list[Gap]:
    """Ranked gaps, most severe first, from a scorecard's risk-factor and measure scores
    and the risk factors driving its overall risk."""
    measures = {m.id: m for m in measures}
    drivers = set(drivers)
    found = []
    for rf in risk_factors:
        if rf.score is None or (rf.score < GAP_RISK and rf.id not in drivers):
            continue
        for m in fw.measures_for(rf.id):
            ms = measures[m.id]
            if ms.score is not None and ms.score >= GAP_RESILIENCE:
                continue
            resilience = ms.score or 0.0
            recs = [f"{r.id} {r.title}" for r in fw.recommendations
                    if any(fw.own(ref) == m.id for ref in r.measures)]
            found.append(dict(
                risk_factor=rf.id, risk_factor_name=rf.name, risk_score=rf.score,
                risk_level=rf.level, measure=m.id, measure_name=m.name, heading=m.heading,
                resilience_score=ms.score, resilience_level=ms.level,
                severity=round(rf.score * (1 - resilience / 100), 1), option=m.description,
                state_practice=[Practice(states=list(p.states), text=p.text)
                                for p in m.state_practice],
                recommendations=recs,
            ))
    found.sort(key=lambda g: (-g["severity"], -g["risk_score"], g["measure"]))
    return [Gap(rank=n, **g) for n, g in enumerate(found, start=1)]
