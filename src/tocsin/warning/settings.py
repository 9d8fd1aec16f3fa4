"""The settings of the warning strand that sit beside the alert rules in a rule file:
``situations`` (grouping, quiet period, inhibition, repeat interval), ``forecast``
(when a new forecast raises an alert) and ``assessments`` (when a new assessment or a
watch point does). Every field has a documented default (the shipped
``rules/default.yaml`` writes them out); a file sets only what it changes, and a
later file (the home's ``alert-rules/``, then ``--rules``) replaces the fields it sets.
Problems are reported with the file and line, as for the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tocsin.errors import Problem
from tocsin.warning.severity import Severity
from tocsin.warning.situations import SituationSettings
from tocsin.yamlsource import YamlDocument, format_path


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ForecastSettings(_Model):
    """The ``forecast:`` block (``tocsin.warning.forecast_warnings``)."""

    top: int = Field(30, ge=1, le=500)  # entering the top N raises an alert
    rise_factor: float = Field(1.5, gt=1, le=100)  # so does a probability this many times higher
    min_probability: float = Field(0.02, ge=0, le=1)  # ... if it is at least this
    entered_severity: Severity = "medium"
    rose_severity: Severity = "high"


class AssessmentSettings(_Model):
    """The ``assessments:`` block (``tocsin.warning.assessment_warnings``)."""

    # A risk factor's level rising in a new version raises an alert of this severity,
    # by the new level.
    moderate: Severity = "medium"
    high: Severity = "high"
    very_high: Severity = Field("critical", alias="very-high")
    # An alert of a rule a watch point names raises a watch-point alert of at least this.
    watch_point_severity: Severity = "high"

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def for_level(self, level: str) -> str | None:
        return {"moderate": self.moderate, "high": self.high,
                "very-high": self.very_high}.get(level)

BLOCKS = {"situations": SituationSettings, "forecast": ForecastSettings,
          "assessments": AssessmentSettings}


@dataclass(frozen=True)
class Settings:
    situations: SituationSettings = field(default_factory=SituationSettings)
    forecast: ForecastSettings = field(default_factory=ForecastSettings)
    assessments: AssessmentSettings = field(default_factory=AssessmentSettings)


def read_blocks(doc: YamlDocument, head) -> tuple[dict, list[Problem]]:
    """The settings blocks a rule file gives, validated; problems name file and line."""
    out, problems = {}, []
    for name, model in BLOCKS.items():
        raw = getattr(head, name)
        if raw is None:
            continue
        try:
            out[name] = model.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loc = (name, *err["loc"])
                if err["type"] == "extra_forbidden":
                    msg = f"unknown setting '{err['loc'][-1]}'"
                elif err["type"] == "missing":
                    msg = f"required setting '{err['loc'][-1]}' is missing"
                else:
                    got = err.get("input")
                    shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
                    msg = f"{err['msg'].replace('Input should be', 'expected')}; got {shown}"
                where = loc
                while where and doc.line(where) is None:
                    where = where[:-1]
                problems.append(Problem(doc.file, msg, doc.line(where), format_path(loc)))
    return out, problems


def merge(blocks: list[dict]) -> Settings:
    """The settings in force: defaults, then each file's blocks in order (the fields a
    file sets replace the earlier values)."""
    values: dict[str, dict] = {name: {} for name in BLOCKS}
    for given in blocks:
        for name, model in given.items():
            values[name].update(model.model_dump(exclude_unset=True))
    return Settings(**{name: BLOCKS[name].model_validate(v) for name, v in values.items()})

