"""Scoring an assessment: consensus, disagreement, risk, resilience, divergence.

The method and the reasoning behind every constant are in ``docs/scoring.md``;
the constants below carry the same names. ``score(a, fw).model_dump(mode="json")``
is the stable JSON of ``tocsin assess score --format json``.
"""

from __future__ import annotations

import datetime as dt
from statistics import mean, median
from typing import Literal

from pydantic import BaseModel

from tocsin.assessment.gaps import Gap, gap_analysis
from tocsin.assessment.model import Assessment
from tocsin.framework import Framework

# --- constants (docs/scoring.md explains each) ----------------------------------------
LEVEL_MAX = 3                 # levels run 0 absent .. 3 severe
DISAGREEMENT_SPREAD = 2       # assessors 2+ levels apart are flagged
DIVERGENCE_FLAG = 1.0         # government and civil society a whole level apart are flagged
MIN_COVERAGE = 0.5            # below this share of indicators rated, a factor is "insufficient"
SEVERE_LEVEL = 3              # a factor with a severe indicator is at least "high"
TOP_N = 3                     # overall risk: mean of the three highest risk factors
RISK_BANDS = ((75.0, "very-high"), (50.0, "high"), (25.0, "moderate"), (0.0, "low"))
STATUS_VALUE = {"absent": 0.0, "partial": 0.5, "in-place": 1.0}
EFFECTIVENESS_VALUE = {"none": 0.0, "low": 1 / 3, "medium": 2 / 3, "high": 1.0,
                       "unknown": 1 / 3}   # unproven effectiveness is credited as low
RESILIENCE_BANDS = ((70.0, "strong"), (40.0, "moderate"), (0.0, "weak"))

RiskLevel = Literal["low", "moderate", "high", "very-high", "insufficient", "not-rated"]
ResilienceLevel = Literal["weak", "moderate", "strong", "not-rated"]
GOVERNMENT = "government"
CIVIL_SOCIETY = "civil-society"


class AssessorInfo(BaseModel):
    id: str
    name: str
    affiliation: str
    organisation: str | None = None


class IndicatorScore(BaseModel):
    id: str
    risk_factor: str
    text: str
    verification: str
    ratings: dict[str, int | None]          # assessor id -> level, None when unknown/unrated
    rated_by: int
    consensus: float | None                 # median of the levels given
    spread: int | None                      # highest minus lowest level given
    disagreement: bool                      # spread >= DISAGREEMENT_SPREAD
    government: float | None                # median of government assessors
    civil_society: float | None             # median of civil-society assessors
    divergence: float | None                # civil_society - government
    divergent: bool
    confidence: dict[str, int]              # counts of low/medium/high
    trend: dict[str, int]                   # counts of worsening/stable/improving


class RiskFactorScore(BaseModel):
    id: str
    name: str
    set: str
    indicators: int
    rated: int
    coverage: float                         # rated / indicators
    score: float | None                     # 0-100 over the rated indicators
    level: RiskLevel
    severe: list[str]                       # indicators whose consensus is severe
    disagreements: list[str]                # indicators flagged for disagreement
    government: float | None                # 0-100, indicators rated by both groups
    civil_society: float | None
    divergence: float | None                # civil_society - government, points
    worsening: int                          # ratings with a worsening trend


class MeasureScore(BaseModel):
    id: str
    name: str
    heading: str
    rated_by: int
    score: float | None                     # 0-100
    level: ResilienceLevel
    status: dict[str, int]                  # counts of absent/partial/in-place


class TriggerScore(BaseModel):
    id: str
    name: str
    observed_by: list[str]
    assessed_by: int
    observed: bool                          # at least one assessor observed it


class Resilience(BaseModel):
    score: float | None
    level: ResilienceLevel
    coverage: float


class Overall(BaseModel):
    score: float | None
    level: RiskLevel
    drivers: list[str]                      # risk factor ids behind the overall score
    provisional: bool                       # some risk factor is not rated well enough
    thresholds: dict[str, float]


class Divergence(BaseModel):
    government_assessors: list[str]
    civil_society_assessors: list[str]
    compared_indicators: int
    mean_divergence: float | None           # civil society minus government, levels
    flagged: list[str]                      # indicators a whole level apart or more


class Scorecard(BaseModel):
    country: str
    subnational: str | None
    framework: str
    framework_version: str
    period: tuple[dt.date, dt.date]
    date: dt.date
    status: str
    assessors: list[AssessorInfo]
    indicators: list[IndicatorScore]
    risk_factors: list[RiskFactorScore]
    measures: list[MeasureScore]
    resilience: Resilience
    triggers: list[TriggerScore]
    overall: Overall
    divergence: Divergence
    gaps: list[Gap]

    def risk_factor(self, rf_id: str) -> RiskFactorScore:
        return next(rf for rf in self.risk_factors if rf.id == rf_id)

    def indicator(self, ind_id: str) -> IndicatorScore:
        return next(i for i in self.indicators if i.id == ind_id)

    def measure(self, measure_id: str) -> MeasureScore:
        return next(m for m in self.measures if m.id == measure_id)


def risk_band(score: float) -> str:
    return next(name for floor, name in RISK_BANDS if score >= floor)


def resilience_band(score: float) -> str:
    return next(name for floor, name in RESILIENCE_BANDS if score >= floor)


def _r(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x + 0.0, digits)


def _median(values: list[float]) -> float | None:
    return float(median(values)) if values else None


def _counts(values, keys) -> dict[str, int]:
    return {k: sum(1 for v in values if v == k) for k in keys}


def score(a: Assessment, fw: Framework) -> Scorecard:
    """Score an assessment that was checked against ``fw``."""
    gov = [x.id for x in a.assessors if x.affiliation == GOVERNMENT]
    cso = [x.id for x in a.assessors if x.affiliation == CIVIL_SOCIETY]
    indicators = [_indicator(a, ind_id, ind, gov, cso) for ind_id, ind in fw.indicators.items()]
    by_rf: dict[str, list[IndicatorScore]] = {}
    for s in indicators:
        by_rf.setdefault(s.risk_factor, []).append(s)
    scored = [_risk_factor(rf, by_rf.get(rf.id, [])) for rf in fw.risk_factors]
    risk_factors = [rf for rf, _ in scored]
    measures = [_measure(a, m) for m in fw.resilience_measures]
    rated_measures = [m.score for m in measures if m.score is not None]
    resilience = Resilience(
        score=_r(mean(rated_measures)) if rated_measures else None,
        level=resilience_band(mean(rated_measures)) if rated_measures else "not-rated",
        coverage=_r(len(rated_measures) / len(measures), 2) if measures else 0.0,
    )
    triggers = []
    for t in fw.triggers:
        seen = [x.id for x in a.assessors if t.id in x.triggers and x.triggers[t.id].observed]
        assessed = sum(1 for x in a.assessors
                       if t.id in x.triggers and x.triggers[t.id].observed is not None)
        triggers.append(TriggerScore(id=t.id, name=t.name, observed_by=seen,
                                     assessed_by=assessed, observed=bool(seen)))
    compared = [s for s in indicators if s.divergence is not None]
    card = Scorecard(
        country=a.country, subnational=a.subnational, framework=a.framework,
        framework_version=a.framework_version, period=(a.period.start, a.period.end),
        date=a.date, status=a.status,
        assessors=[AssessorInfo(id=x.id, name=x.name, affiliation=x.affiliation,
                                organisation=x.organisation) for x in a.assessors],
        indicators=indicators, risk_factors=risk_factors, measures=measures,
        resilience=resilience, triggers=triggers, overall=_overall(scored),
        divergence=Divergence(
            government_assessors=gov, civil_society_assessors=cso,
            compared_indicators=len(compared),
            mean_divergence=_r(mean(s.divergence for s in compared), 2) if compared else None,
            flagged=[s.id for s in compared if s.divergent],
        ),
        gaps=[],
    )
    card.gaps = gap_analysis(risk_factors, measures, card.overall.drivers, fw)
    return card


def _indicator(a: Assessment, ind_id: str, ind, gov: list[str], cso: list[str]
               ) -> IndicatorScore:
    ratings: dict[str, int | None] = {}
    confidence, trend = [], []
    for x in a.assessors:
        r = x.indicators.get(ind_id)
        level = r.level if r is not None and r.level != "unknown" else None
        ratings[x.id] = level
        if level is not None:
            confidence.append(r.confidence)
            trend.append(r.trend)
    given = [v for v in ratings.values() if v is not None]
    g = _median([ratings[i] for i in gov if ratings[i] is not None])
    c = _median([ratings[i] for i in cso if ratings[i] is not None])
    divergence = c - g if g is not None and c is not None else None
    spread = max(given) - min(given) if given else None
    return IndicatorScore(
        id=ind_id, risk_factor=ind.risk_factor, text=ind.text, verification=ind.verification,
        ratings=ratings, rated_by=len(given), consensus=_median(given), spread=spread,
        disagreement=spread is not None and spread >= DISAGREEMENT_SPREAD,
        government=g, civil_society=c, divergence=divergence,
        divergent=divergence is not None and abs(divergence) >= DIVERGENCE_FLAG,
        confidence=_counts(confidence, ("low", "medium", "high")),
        trend=_counts(trend, ("worsening", "stable", "improving")),
    )


def _to_score(levels: list[float]) -> float:
    return 100.0 * mean(levels) / LEVEL_MAX


def _risk_factor(rf, scores: list[IndicatorScore]) -> tuple[RiskFactorScore, float | None]:
    rated = [s for s in scores if s.consensus is not None]
    total = len(scores)
    coverage = len(rated) / total if total else 0.0
    value = _to_score([s.consensus for s in rated]) if rated else None
    severe = [s.id for s in rated if s.consensus >= SEVERE_LEVEL]
    if value is None:
        level = "not-rated"
    elif coverage < MIN_COVERAGE:
        level = "insufficient"
    else:
        level = risk_band(value)
        if severe and level in ("low", "moderate"):
            level = "high"
    both = [s for s in scores if s.divergence is not None]
    g = _to_score([s.government for s in both]) if both else None
    c = _to_score([s.civil_society for s in both]) if both else None
    return RiskFactorScore(
        id=rf.id, name=rf.name, set=rf.set, indicators=total, rated=len(rated),
        coverage=_r(coverage, 2), score=_r(value), level=level, severe=severe,
        disagreements=[s.id for s in scores if s.disagreement],
        government=_r(g), civil_society=_r(c),
        divergence=_r(c - g) if g is not None and c is not None else None,
        worsening=sum(s.trend["worsening"] for s in scores),
    ), value


def _measure(a: Assessment, m) -> MeasureScore:
    values, statuses = [], []
    for x in a.assessors:
        r = x.measures.get(m.id)
        if r is None or r.status == "unknown":
            continue
        statuses.append(r.status)
        values.append(STATUS_VALUE[r.status] * EFFECTIVENESS_VALUE[r.effectiveness])
    value = 100.0 * median(values) if values else None
    return MeasureScore(
        id=m.id, name=m.name, heading=m.heading, rated_by=len(values), score=_r(value),
        level=resilience_band(value) if value is not None else "not-rated",
        status=_counts(statuses, ("absent", "partial", "in-place")),
    )


def _overall(scored: list[tuple[RiskFactorScore, float | None]]) -> Overall:
    # Unrounded scores, so the overall figure can be worked out by hand exactly.
    usable = [(rf, raw) for rf, raw in scored
              if raw is not None and rf.level not in ("insufficient", "not-rated")]
    top = sorted(usable, key=lambda p: (-p[1], _rf_order(p[0].id)))[:TOP_N]
    thresholds = {name: floor for floor, name in RISK_BANDS}
    provisional = any(rf.level in ("insufficient", "not-rated") for rf, _ in scored)
    if not top:
        return Overall(score=None, level="not-rated", drivers=[], provisional=True,
                       thresholds=thresholds)
    value = mean(raw for _, raw in top)
    return Overall(score=_r(value), level=risk_band(value), drivers=[rf.id for rf, _ in top],
                   provisional=provisional, thresholds=thresholds)


def _rf_order(rf_id: str) -> tuple:
    return (int(rf_id),) if rf_id.isdigit() else (0, rf_id)
