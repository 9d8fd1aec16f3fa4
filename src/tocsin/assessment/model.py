"""The national assessment as data: who rated what, how, and on what evidence.

An assessment is one country (optionally one sub-national unit), one framework
version, one period. Several assessors rate the framework's indicators
independently; the ratings are kept per assessor so that disagreement, and the
difference between government and civil society, can be shown rather than
averaged away. Scenarios and watch points belong to the assessment as a whole:
they are the group's conclusion, not one assessor's.

These models check the shape of a file. Whether its ids exist in the framework
is checked by ``tocsin.assessment.io``, which has the framework at hand.
The field vocabulary is documented in ``docs/assessment-format.md``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from tocsin.assessment.workflow import AssessmentStatus
from tocsin.framework.models import ISO3, ItemId


def _whole_level(value):
    # Pydantic's lax mode would take ``yes`` (True == 1) and ``2.0`` for levels: a typo
    # in a file must be refused, not read as a rating.
    if isinstance(value, bool | float):
        raise ValueError(f"expected 0, 1, 2, 3 or 'unknown', not {value!r}")
    return value


Level = Annotated[Literal[0, 1, 2, 3, "unknown"], BeforeValidator(_whole_level)]
LEVELS: tuple[int, ...] = (0, 1, 2, 3)
LEVEL_NAMES = {0: "absent", 1: "present", 2: "significant", 3: "severe", "unknown": "unknown"}
Confidence = Literal["low", "medium", "high"]
Trend = Literal["worsening", "stable", "improving"]
Affiliation = Literal["government", "civil-society", "academia", "nhri", "international", "other"]
AFFILIATION_NAMES = {
    "government": "Government",
    "civil-society": "Civil society",
    "academia": "Academia",
    "nhri": "National human-rights institution",
    "international": "International",
    "other": "Other",
}
Status = AssessmentStatus  # the workflow's statuses (assessment/workflow.py)
MeasureStatus = Literal["absent", "partial", "in-place", "unknown"]
Effectiveness = Literal["none", "low", "medium", "high", "unknown"]
Likelihood = Literal["low", "medium", "high"]

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
AssessorId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                                              max_length=64)]
# "sha256:<64 hex>" — enough to prove later which document was cited without storing it.
DocumentHash = Annotated[str, StringConstraints(pattern=r"^(sha256:[0-9a-f]{64}|sha1:[0-9a-f]{40}"
                                                        r"|md5:[0-9a-f]{32})$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Evidence(_Model):
    """One citation. ``sensitive`` evidence (it may identify a witness or a source) is
    left out of every report unless the reader asks for it explicitly."""

    text: Text
    url: str | None = None
    date: dt.date | None = None
    event_id: str | None = None  # an event in Tocsin's event store, e.g. "acled:KEN12345"
    document_hash: DocumentHash | None = None
    sensitive: bool = False


class IndicatorRating(_Model):
    """One assessor's rating of one indicator: 0 absent, 1 present, 2 significant, 3 severe."""

    level: Level = "unknown"
    confidence: Confidence | None = None
    trend: Trend | None = None
    evidence: list[Evidence] = []
    comment: str | None = None


class MeasureRating(_Model):
    """One assessor's view of one resilience measure: is it there, and does it work?"""

    status: MeasureStatus = "unknown"
    effectiveness: Effectiveness = "unknown"
    evidence: list[Evidence] = []
    comment: str | None = None


class TriggerObservation(_Model):
    """Whether an assessor saw a trigger in the period (``None``: not assessed)."""

    observed: bool | None = None
    date: dt.date | None = None
    evidence: list[Evidence] = []
    comment: str | None = None


class Assessor(_Model):
    id: AssessorId
    name: Text
    affiliation: Affiliation
    organisation: str | None = None
    indicators: dict[str, IndicatorRating] = {}
    measures: dict[str, MeasureRating] = {}
    triggers: dict[str, TriggerObservation] = {}


class WatchPoint(_Model):
    """A key development to monitor: what, if seen, would show a scenario unfolding."""

    id: ItemId
    text: Text
    indicators: list[str] = []
    triggers: list[str] = []
    # Ids of early-warning alert rules that would show this happening. Checked against
    # the rules in force by whoever knows them (``io.watched_rule_problems``: the
    # command line's validate, the site's import), not by the model.
    alert_rules: list[str] = []


class Scenario(_Model):
    """A plausible course of events: who might target whom, by what means, set off by what."""

    id: ItemId
    title: Text
    perpetrators: Text
    targets: Text
    means: Text
    triggers: list[str] = []
    indicators: list[str] = []
    likelihood: Likelihood | None = None
    description: str | None = None
    watch_points: list[WatchPoint] = []


class Period(_Model):
    start: dt.date
    end: dt.date


class Assessment(_Model):
    country: ISO3
    subnational: str | None = None  # a sub-national unit: name or ISO 3166-2 code
    framework: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    framework_version: Text
    title: str | None = None
    period: Period
    date: dt.date
    status: Status = "draft"
    assessors: list[Assessor] = Field(min_length=1)
    scenarios: list[Scenario] = []
    notes: str | None = None

    def assessor(self, assessor_id: str) -> Assessor:
        for a in self.assessors:
            if a.id == assessor_id:
                return a
        raise KeyError(assessor_id)

    def evidence(self) -> list[tuple[str, str, str, Evidence]]:
        """Every citation as (assessor id, kind, item id, evidence), in file order."""
        out = []
        for a in self.assessors:
            for kind, items in (("indicator", a.indicators), ("measure", a.measures),
                                ("trigger", a.triggers)):
                for item_id, rating in items.items():
                    out += [(a.id, kind, item_id, ev) for ev in rating.evidence]
        return out
