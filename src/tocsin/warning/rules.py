"""Alert rules as data: the shipped default set and a user's own YAML files.

A rule says which events it watches (event classes, or a trigger of the report,
resolved to classes through the event taxonomy), at which level (country or
admin1), which weekly figure (events, fatalities, civilian fatalities, distinct
actors), the condition that fires it, its severity, and the framework indicators
and triggers an alert is evidence for. The format is documented in
docs/early-warning.md. Loading reports every problem with its file and line.

Rules are found in ``tocsin/warning/rules/*.yaml`` (shipped) and
``<home>/alert-rules/*.yaml`` (the user's); a user rule with a shipped rule's id
replaces it, which is how a state tunes a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from tocsin.errors import InputError, Problem
from tocsin.warning.severity import Severity
from tocsin.yamlsource import YamlDocument, pydantic_problems, read_yaml

SHIPPED_DIR = Path(__file__).parent / "rules"
Measure = Literal["events", "fatalities", "civilian_fatalities", "actors"]
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
Ref = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*:[A-Za-z0-9][A-Za-z0-9._-]*$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Select(_Model):
    """Which events a rule counts: named classes, the classes of a trigger, or all."""

    classes: list[str] = []
    trigger: Ref | None = None
    all: bool = False
    sources: list[str] = []  # empty: every source, each scored on its own

    @model_validator(mode="after")
    def _one(self):
        given = sum([bool(self.classes), self.trigger is not None, self.all])
        if given != 1:
            raise ValueError("give exactly one of 'classes', 'trigger' or 'all: true'")
        return self


class SurpriseCondition(_Model):
    p: float = Field(0.001, gt=0, lt=1)
    baseline_weeks: int = Field(52, ge=4, le=520)
    guard_weeks: int = Field(0, ge=0, le=26)
    min_baseline_weeks: int = Field(8, ge=1)
    min_value: float = Field(1, ge=0)


class HdxCondition(_Model):
    window_days: int = Field(30, ge=1)
    floor: float = Field(100, ge=0)
    history_days: int = Field(365, ge=0)


class Condition(_Model):
    threshold: float | None = Field(None, gt=0)
    surprise: SurpriseCondition | None = None
    hdx: HdxCondition | None = None

    @model_validator(mode="after")
    def _one(self):
        given = [k for k in ("threshold", "surprise", "hdx") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'threshold', 'surprise' or 'hdx'")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("threshold", "surprise", "hdx") if getattr(self, k) is not None)


class Rule(_Model):
    id: RuleId
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    description: str | None = None
    severity: Severity
    select: Select
    level: Literal["country", "admin1"] = "country"
    measure: Measure = "events"
    condition: Condition
    indicators: list[Ref] = []  # empty: the indicators the selected classes bear on
    triggers: list[Ref] = []  # empty: the triggers the selected classes bear on
    baseline: bool = False  # the transparent comparison rule of the backtest
    file: str = ""  # where it was read from (filled in by the loader)
    line: int | None = None

    @model_validator(mode="after")
    def _hdx_country(self):
        if self.condition.hdx is not None and (self.level != "country"
                                               or self.measure != "fatalities"):
            raise ValueError("an 'hdx' condition works on country fatalities "
                             "(level: country, measure: fatalities)")
        return self


class RuleFile(_Model):
    id: RuleId
    version: str | None = None
    description: str | None = None
    rules: list[dict] = []
    # Settings of the warning strand beside the rules (``tocsin.warning.settings``):
    situations: dict | None = None
    forecast: dict | None = None
    assessments: dict | None = None

    @model_validator(mode="after")
    def _something(self):
        if not self.rules and not any((self.situations, self.forecast, self.assessments)):
            raise ValueError("give 'rules' (at least one) or settings ('situations', "
                             "'forecast', 'assessments')")
        return self


def classes_for(rule: Rule) -> list[str]:
    """The canonical event classes a rule counts, resolved through the taxonomy."""
    from tocsin.events.taxonomy import load

    tx = load()
    if rule.select.all:
        return sorted(c.id for c in tx.classes.values() if c.effect != "mitigating")
    if rule.select.trigger:
        trig = rule.select.trigger
        return sorted(c.id for c in tx.classes.values() if trig in c.triggers)
    return list(rule.select.classes)


def indicators_for(rule: Rule) -> list[str]:
    if rule.indicators:
        return list(rule.indicators)
    from tocsin.events.taxonomy import load

    tx = load()
    seen: dict[str, None] = {}
    for cid in classes_for(rule):
        for ref in tx.classes[cid].bears_on:
            seen[ref] = None
    return list(seen)


def triggers_for(rule: Rule) -> list[str]:
    if rule.triggers:
        return list(rule.triggers)
    if rule.select.trigger:
        return [rule.select.trigger]
    from tocsin.events.taxonomy import load

    tx = load()
    seen: dict[str, None] = {}
    for cid in classes_for(rule):
        for ref in tx.classes[cid].triggers:
            seen[ref] = None
    return list(seen)


def _check_refs(doc: YamlDocument, i: int, rule: Rule,
                home: Path | str | None = None) -> list[Problem]:
    """Class ids must exist in the taxonomy; indicator and trigger references in the
    frameworks (un-foa-2014 indicators, sg-2013 triggers, or a framework of ``home``)."""
    from tocsin.events.taxonomy import load
    from tocsin.framework import load_framework, split_ref

    problems = []
    tx = load()
    for j, cid in enumerate(rule.select.classes):
        if cid not in tx.classes:
            problems.append(doc.problem(("rules", i, "select", "classes", j),
                                        f"unknown event class {cid!r} (known: "
                                        f"{', '.join(sorted(tx.classes))})"))
    frameworks = {}

    def resolves(ref: str, kind: str) -> bool:
        doc_id, _ = split_ref(ref)
        if doc_id not in frameworks:
            try:
                frameworks[doc_id] = load_framework(doc_id, home)
            except InputError:
                frameworks[doc_id] = None
        fw = frameworks[doc_id]
        if fw is None:
            return False
        try:
            item = fw.resolve(ref)
        except KeyError:
            return False
        return type(item).__name__ == ("Trigger" if kind == "trigger" else "Indicator")

    for j, ref in enumerate(rule.indicators):
        if not resolves(ref, "indicator"):
            problems.append(doc.problem(("rules", i, "indicators", j),
                                        f"{ref!r} is not an indicator of the framework"))
    trig_refs = [(("rules", i, "triggers", j), r) for j, r in enumerate(rule.triggers)]
    if rule.select.trigger:
        trig_refs.append((("rules", i, "select", "trigger"), rule.select.trigger))
    for path, ref in trig_refs:
        if not resolves(ref, "trigger"):
            problems.append(doc.problem(path, f"{ref!r} is not a trigger of the framework "
                                              "(e.g. sg-2013:unconstitutional-change)"))
    if rule.select.trigger and not classes_for(rule):
        problems.append(doc.problem(("rules", i, "select", "trigger"),
                                    f"no event class of the taxonomy bears on "
                                    f"{rule.select.trigger!r}, so the rule could never fire"))
    return problems


def read_rule_file(path: Path | str, home: Path | str | None = None) -> list[Rule]:
    """Read and validate one rule file; raise ``InputError`` listing every problem."""
    return read_rule_file_and_settings(path, home)[0]


def read_rule_file_and_settings(path: Path | str, home: Path | str | None = None
                                ) -> tuple[list[Rule], dict]:
    """The rules of one file and its settings blocks (``{"situations": SituationSettings,
    ...}``, only those the file gives, with only the fields it sets); ``InputError``
    listing every problem of both with its file and line."""
    from tocsin.warning.settings import read_blocks

    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError(Problem(doc.file, "expected a mapping with 'id' and 'rules'", 1))
    try:
        head = RuleFile.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(pydantic_problems(doc, exc)) from exc
    rules, problems = [], []
    ids: dict[str, int] = {}
    for i, raw in enumerate(head.rules):
        if not isinstance(raw, dict):
            problems.append(doc.problem(("rules", i), "expected a rule (a mapping)"))
            continue
        data = dict(raw, file=doc.file, line=doc.line(("rules", i)))
        try:
            rule = Rule.model_validate(data)
        except ValidationError as exc:
            for p in pydantic_problems(doc, exc):
                # the location is inside rules[i]
                problems.append(Problem(p.file, p.message,
                                        doc.line(("rules", i) + _loc(p.where)),
                                        f"rules[{i}]" + ("." + p.where if p.where else "")))
            continue
        if rule.id in ids:
            first = ids[rule.id]
            problems.append(doc.problem(("rules", i, "id"),
                                        f"duplicate rule id {rule.id!r} (also rules[{first}])"))
        ids[rule.id] = i
        problems += _check_refs(doc, i, rule, home)
        rules.append(rule)
    blocks, more = read_blocks(doc, head)
    problems += more
    if problems:
        raise InputError(problems)
    return rules, blocks


def _loc(where: str) -> tuple:
    out: list = []
    for part in where.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("["):
            out.append(int(part.strip("[]")))
        else:
            out.append(part)
    return tuple(out)


def rule_files(home: Path | str | None = None) -> list[Path]:
    from tocsin.config import home as resolve_home

    files = sorted(SHIPPED_DIR.glob("*.yaml"))
    local = resolve_home(home) / "alert-rules"
    if local.is_dir():
        files += sorted(local.glob("*.y*ml"))
    return files


def load_rules(home: Path | str | None = None, extra: list[Path] | None = None) -> list[Rule]:
    """Every active rule: shipped, then the home's, then ``extra``; later ids replace earlier."""
    return load_rules_and_settings(home, extra)[0]


def load_rules_and_settings(home: Path | str | None = None, extra: list[Path] | None = None):
    """(every active rule, the settings in force: ``tocsin.warning.settings.Settings``).
    Files are read in the order of ``load_rules``; a later file's settings replace the
    fields it sets, the others keep the earlier files' values or the defaults."""
    from tocsin.warning.settings import merge

    by_id: dict[str, Rule] = {}
    problems: list[Problem] = []
    blocks: list[dict] = []
    for path in rule_files(home) + list(extra or []):
        try:
            rules, given = read_rule_file_and_settings(path, home)
        except InputError as exc:
            problems += exc.problems
            continue
        for rule in rules:
            by_id[rule.id] = rule
        blocks.append(given)
    if problems:
        raise InputError(problems)
    return list(by_id.values()), merge(blocks)
