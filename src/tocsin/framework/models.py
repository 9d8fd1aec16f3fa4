"""Typed models of a framework document, as written in YAML and as loaded.

A *document* is one YAML file. A *framework* is what an assessment uses: a
document with its included sections merged in and, for a state's own version,
its extension applied. Both are validated here; cross-references are checked
by the loader, which sees every document.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tocsin.countries import ISO3

Verification = Literal["checked", "recalled-high", "recalled-low"]
VERIFICATIONS: tuple[str, ...] = ("checked", "recalled-high", "recalled-low")
RiskFactorSet = Literal["common", "genocide", "crimes-against-humanity", "war-crimes"]
Heading = Literal[
    "building-national-resilience",
    "promoting-and-protecting-human-rights",
    "targeted-measures",
    "partnerships",
]
Section = Literal["risk_factors", "triggers", "resilience_measures", "recommendations", "crosswalk"]

ItemId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=64)]
DocId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
# A reference to an item: "doc-id:item-id", or a bare "item-id" inside the same document.
Ref = Annotated[
    str, StringConstraints(pattern=r"^([a-z0-9][a-z0-9-]*:)?[A-Za-z0-9][A-Za-z0-9._-]*$")
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")]

# The rating scale's levels in order, 0 to 3: the keys of a risk factor's guidance.
GUIDANCE_LEVELS: tuple[str, ...] = ("absent", "present", "significant", "severe")
CONFIDENCES: tuple[str, ...] = ("low", "medium", "high")


def split_ref(ref: str) -> tuple[str, str]:
    """A reference to an item, ``"doc-id:item-id"``, as (document id, item id); a bare
    ``"item-id"`` (inside the same document) gives ("", item id). The one place that
    knows the syntax: everything else resolves references through ``Framework.own`` and
    ``Framework.resolve``."""
    doc, _, item = ref.rpartition(":")
    return doc, item


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Source(_Model):
    key: ItemId
    title: Text
    publisher: Text
    year: int
    symbol: str | None = None
    url: str | None = None
    note: str | None = None


class Indicator(_Model):
    id: ItemId
    text: Text
    verification: Verification
    source: ItemId
    risk_factor: ItemId | None = None  # filled in by the loader from the enclosing risk factor
    note: str | None = None
    guidance: str | None = None


class RatingGuidance(_Model):
    """What each level of the rating scale means for an indicator of one risk factor:
    what an assessor would have to see to rate 0 absent, 1 present, 2 significant or
    3 severe. Its ``source`` says whose guidance it is (in the shipped frameworks,
    Tocsin's, not the UN's)."""

    source: ItemId
    absent: Text
    present: Text
    significant: Text
    severe: Text
    note: Text | None = None  # how to read the scale for this factor, where it is not obvious

    def levels(self) -> list[tuple[int, str, str]]:
        """(level, level name, guidance) for levels 0 to 3."""
        return [(n, name, getattr(self, name)) for n, name in enumerate(GUIDANCE_LEVELS)]

    def for_level(self, level: int) -> str:
        return getattr(self, GUIDANCE_LEVELS[level])


class ConfidenceGuidance(_Model):
    low: Text
    medium: Text
    high: Text
    note: Text | None = None

    def levels(self) -> list[tuple[str, str]]:
        return [(name, getattr(self, name)) for name in CONFIDENCES]


class GeneralGuidance(_Model):
    """Guidance that holds for every indicator: the scale in general, when to rate
    ``unknown``, and how to choose a confidence."""

    source: ItemId
    note: Text | None = None  # whose guidance this is, and that it is not the source's text
    scale: Text | None = None
    unknown: Text
    confidence: ConfidenceGuidance


class RiskFactor(_Model):
    id: ItemId
    name: Text
    set: RiskFactorSet
    kind: Literal["structural", "dynamic"]
    description: Text
    name_verification: Verification = "checked"
    description_verification: Verification = "checked"
    expected_indicators: int | None = Field(default=None, ge=0)
    expected_indicators_verification: Verification = "recalled-high"
    rating_guidance: RatingGuidance | None = None
    indicators: list[Indicator] = []


class Trigger(_Model):
    id: ItemId
    name: Text
    description: Text
    indicators: list[Ref] = []
    source: ItemId


class StatePractice(_Model):
    states: list[ISO3]
    text: Text


class ResilienceMeasure(_Model):
    id: ItemId
    name: Text
    heading: Heading
    description: Text
    mitigates: list[Ref] = []
    state_practice: list[StatePractice] = []


class Recommendation(_Model):
    id: ItemId
    title: Text
    description: Text
    measures: list[Ref] = []
    treaties: list[ItemId] = []


class CrosswalkEntry(_Model):
    from_: ItemId = Field(alias="from")
    primary: Ref
    also: list[Ref] = []
    indicators: list[Ref] = []
    source: ItemId


class Include(_Model):
    from_: DocId = Field(alias="from")
    sections: list[Section] = Field(min_length=1)


class FrameworkDocument(_Model):
    """A framework as written in its own YAML file."""

    id: DocId
    version: Text
    title: Text
    short_title: str | None = None
    language: Language = "en"
    description: str | None = None
    sources: list[Source] = Field(min_length=1)
    expected_indicator_total: int | None = Field(default=None, ge=0)
    gaps: list[Text] = []
    rating_guidance: GeneralGuidance | None = None
    risk_factors: list[RiskFactor] = []
    triggers: list[Trigger] = []
    resilience_measures: list[ResilienceMeasure] = []
    recommendations: list[Recommendation] = []
    crosswalk: list[CrosswalkEntry] = []
    include: list[Include] = []


# --- extensions: a state's own version of a shipped framework ---------------------


class IndicatorChange(_Model):
    """Change one indicator (id exists) or add one (new id, with risk_factor)."""

    id: ItemId
    risk_factor: ItemId | None = None
    text: Text | None = None
    verification: Verification | None = None
    source: ItemId | None = None
    note: str | None = None
    guidance: str | None = None


class RiskFactorChange(_Model):
    id: ItemId
    name: Text | None = None
    description: Text | None = None
    name_verification: Verification | None = None
    description_verification: Verification | None = None
    rating_guidance: RatingGuidance | None = None  # replaces the base's guidance whole


class ExtensionDocument(_Model):
    """A framework that starts from another and changes it: reworded, translated,
    official texts dropped in, indicators added or dropped."""

    id: DocId
    extends: DocId
    version: Text
    title: Text | None = None
    short_title: str | None = None
    language: Language | None = None
    description: str | None = None
    sources: list[Source] = []
    risk_factors: list[RiskFactorChange] = []
    indicators: list[IndicatorChange] = []
    drop: list[ItemId] = []
    triggers: list[Trigger] = []
    resilience_measures: list[ResilienceMeasure] = []
    gaps: list[Text] | None = None
    rating_guidance: GeneralGuidance | None = None  # replaces the base's general guidance


# --- the loaded framework -----------------------------------------------------------


class Framework(_Model):
    """A framework ready for use: includes merged, extension applied, references checked."""

    id: DocId
    version: str
    title: str
    short_title: str | None = None
    language: str
    description: str | None = None
    based_on: list[str] = []  # documents this one extends or includes, in order
    file: str
    sources: list[Source]
    expected_indicator_total: int | None = None
    gaps: list[str] = []
    rating_guidance: GeneralGuidance | None = None
    risk_factors: list[RiskFactor]
    triggers: list[Trigger] = []
    resilience_measures: list[ResilienceMeasure] = []
    recommendations: list[Recommendation] = []
    crosswalk: list[CrosswalkEntry] = []

    @property
    def indicators(self) -> dict[str, Indicator]:
        return {i.id: i for rf in self.risk_factors for i in rf.indicators}

    def risk_factor(self, rf_id: str) -> RiskFactor:
        for rf in self.risk_factors:
            if rf.id == rf_id:
                return rf
        raise KeyError(rf_id)

    def source(self, key: str) -> Source:
        for s in self.sources:
            if s.key == key:
                return s
        raise KeyError(key)

    def guidance_sources(self) -> list[Source]:
        """The sources of the rating guidance (general and per risk factor), in order."""
        keys = [g.source for g in [self.rating_guidance,
                                   *(rf.rating_guidance for rf in self.risk_factors)] if g]
        return [self.source(k) for k in dict.fromkeys(keys)
                if any(s.key == k for s in self.sources)]

    def measure(self, measure_id: str) -> ResilienceMeasure:
        for m in self.resilience_measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    def trigger(self, trigger_id: str) -> Trigger:
        for t in self.triggers:
            if t.id == trigger_id:
                return t
        raise KeyError(trigger_id)

    def own(self, ref: str) -> str | None:
        """The bare id if ``ref`` points into this framework (or a document it is based on)."""
        doc, item = split_ref(ref)
        if not doc or doc == self.id or doc in self.based_on:
            return item
        return None

    def resolve(self, ref: str):
        """The item a reference names, looked up in this framework; KeyError if absent."""
        item = self.own(ref)
        if item is None:
            raise KeyError(ref)
        for rf in self.risk_factors:
            if rf.id == item:
                return rf
            for ind in rf.indicators:
                if ind.id == item:
                    return ind
        for collection in (self.triggers, self.resilience_measures, self.recommendations):
            for x in collection:
                if x.id == item:
                    return x
        raise KeyError(ref)

    def qualify(self, ref: str) -> str:
        """``ref`` written as "doc:id", with documents this one is based on folded into it."""
        item = self.own(ref)
        return f"{self.id}:{item}" if item is not None else ref

    def measures_for(self, rf_id: str) -> list[ResilienceMeasure]:
        """Resilience measures that mitigate a risk factor, directly or through the crosswalk."""
        targets = {self.qualify(rf_id)}
        targets.update(self.qualify(e.primary) for e in self.crosswalk if e.from_ == rf_id)
        return [m for m in self.resilience_measures
                if any(self.qualify(r) in targets for r in m.mitigates)]

    def verification_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERIFICATIONS, 0)
        for ind in self.indicators.values():
            counts[ind.verification] += 1
        return counts
