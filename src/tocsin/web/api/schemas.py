"""The API's data shapes (Pydantic, through django-ninja): the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from tocsin.warning import lifecycle

# The core's vocabularies, as the API's types (the codes are defined once, in the core).
# An alerts list filters by a status, or by "open" (still asking for attention) or "all".
StatusFilter = Literal[("open", "all", *lifecycle.STATUSES)]
# The statuses a person may move an alert to (every status but the first, "new").
MoveTarget = Literal[tuple(s for s in lifecycle.STATUSES
                           if any(s in moves for moves in lifecycle.MOVES.values()))]


class Problem(Schema):
    detail: str


class Driver(Schema):
    side: str
    predictor: str
    label: str = ""
    value: str = ""
    contribution: float


class ForecastOut(Schema):
    country: str
    year: int
    probability: float
    rank: int | None
    drivers: list[Driver]
    model: str
    source_file: str


class CountryOut(Schema):
    country: str
    name: str
    probability: float | None
    year: int | None
    rank: int | None
    alerts: int
    open_alerts: int
    top_open_severity: str


class AlertOut(Schema):
    id: int
    key: str
    rule: str
    rule_name: str
    severity: str
    baseline: bool
    status: str
    reason: str
    source: str
    country: str
    level: str
    unit: str
    week: dt.date
    figures: dict[str, Any]
    event_count: int
    event_ids: list[str]
    indicators: list[dict[str, Any]]
    triggers: list[dict[str, Any]]
    assignee: str | None = None


class AlertPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[AlertOut]


class StatusIn(Schema):
    to: MoveTarget
    reason: str = Field("", max_length=4000)


class CommentIn(Schema):
    text: str = Field(..., min_length=1, max_length=4000)


class CommentOut(Schema):
    id: int
    author: str | None
    text: str
    at: dt.datetime


class UseAsEvidenceIn(Schema):
    assessment: int
    indicator: str = Field(..., min_length=1, max_length=64)
    sensitive: bool = False


class EvidenceIn(Schema):
    text: str = Field(..., min_length=1, max_length=4000)
    url: str | None = Field(None, max_length=500, pattern=r"^https?://")
    date: dt.date | None = None
    event_id: str | None = Field(None, max_length=200)
    sensitive: bool = False


class EvidenceOut(Schema):
    id: int
    assessment: int
    kind: str
    item: str
    data: dict[str, Any]


class AssessmentOut(Schema):
    id: int
    country: str
    title: str
    framework: str
    status: str
    version: int
    level: str
    score: float | None
    provisional: bool
    updated_at: dt.datetime


class AssessmentDetail(AssessmentOut):
    sensitive_evidence_included: bool
    document: dict[str, Any]


class EventOut(Schema):
    uid: str
    source: str
    source_id: str | None
    event_date: dt.date | None
    country: str | None
    admin1: str | None
    admin2: str | None
    place: str | None
    latitude: float | None
    longitude: float | None
    event_class: str | None
    source_type: str | None
    actor1: str | None
    actor2: str | None
    fatalities_best: int | None
    civilian_fatalities: int | None
    notes: str | None


class EventPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[EventOut]
