"""Read, check and write assessment files (YAML).

Reading reports *every* problem at once, each with the file, the line and what
was expected: an assessment is filled in by several people and one run should
tell them all that is wrong. Checks against the framework (ids exist, versions
match) happen here because the models alone do not know the framework.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tocsin.assessment.model import (
    Assessment,
    Assessor,
    IndicatorRating,
    MeasureRating,
    Period,
    TriggerObservation,
)
from tocsin.errors import InputError, Problem
from tocsin.framework import Framework, load_framework
from tocsin.yamlsource import YamlDocument, parse_yaml, pydantic_problems, read_yaml

TOP_FIELDS = "country, framework, framework_version, period, date, status, assessors"


def load_assessment(path: Path | str, home: Path | str | None = None,
                    alert_rules: set[str] | None = None) -> Assessment:
    """Read an assessment file and check it against its framework. With ``alert_rules``
    (the ids of the alert rules in force), watch points naming any other rule are
    problems too; the caller knows the rules (the assessment does not depend on the
    warning strand)."""
    return _from_document(read_yaml(path), home, alert_rules)


def parse_assessment(text: str, file: str, home: Path | str | None = None,
                     alert_rules: set[str] | None = None) -> Assessment:
    """Parse assessment YAML text (``file`` names it in error messages)."""
    return _from_document(parse_yaml(text, file), home, alert_rules)


def load_with_framework(path: Path | str, home: Path | str | None = None
                        ) -> tuple[Assessment, Framework]:
    """The assessment and the framework it was checked against."""
    a = load_assessment(path, home)
    return a, load_framework(a.framework, home)


def _from_document(doc: YamlDocument, home, alert_rules: set[str] | None = None
                   ) -> Assessment:
    if not isinstance(doc.data, dict):
        found = "an empty file" if doc.data is None else f"a {type(doc.data).__name__}"
        raise InputError(Problem(doc.file, f"expected an assessment (a mapping with "
                                           f"{TOP_FIELDS}); found {found}", doc.line(())))
    problems = _key_problems(doc)
    if problems:
        raise InputError(problems)
    try:
        assessment = Assessment.model_validate(doc.data)
    except ValidationError as exc:
        # Report the id problems too, so one run lists everything wrong with the file.
        problems = pydantic_problems(doc, exc) + _raw_problems(doc, home)
        raise InputError(sorted(problems, key=lambda p: p.line or 0)) from None
    fw = _framework(assessment, doc, home)
    problems = check(assessment, fw, doc)
    if alert_rules is not None:
        problems += watched_rule_problems(assessment, alert_rules, doc)
    if problems:
        raise InputError(problems)
    return assessment


def _raw_problems(doc: YamlDocument, home) -> list[Problem]:
    """Unknown ids and duplicate assessors, checked on the raw data of a file that did
    not validate (only if its framework can be found)."""
    data = doc.data
    try:
        fw = load_framework(str(data.get("framework")), home)
    except InputError:
        return []
    if str(data.get("framework_version")) != fw.version:
        return []
    known = {"indicators": ("indicator", fw.indicators),
             "measures": ("measure", {m.id for m in fw.resilience_measures}),
             "triggers": ("trigger", {t.id for t in fw.triggers})}
    problems, seen = [], {}
    assessors = data.get("assessors")
    for n, assessor in enumerate(assessors if isinstance(assessors, list) else []):
        if not isinstance(assessor, dict):
            continue
        aid = assessor.get("id")
        if isinstance(aid, str) and aid in seen:
            problems.append(_duplicate(doc, n, aid, seen[aid]))
        elif isinstance(aid, str):
            seen[aid] = n
        for section, (kind, ids) in known.items():
            items = assessor.get(section)
            for item_id in items if isinstance(items, dict) else []:
                if isinstance(item_id, str) and item_id not in ids:
                    problems.append(_unknown(doc, fw, kind, ids, item_id,
                                             ("assessors", n, section, item_id)))
    return problems


def _duplicate(doc: YamlDocument, n: int, assessor_id: str, first: int) -> Problem:
    return doc.problem(("assessors", n, "id"), f"duplicate assessor {assessor_id!r}: already "
                       f"used by assessors[{first}]; expected a unique id per assessor")


def _unknown(doc: YamlDocument, fw: Framework, kind: str, ids, item_id: str,
             path: tuple) -> Problem:
    some = ", ".join(sorted(ids, key=_natural)[:6])
    return doc.problem(path, f"unknown {kind} id {item_id!r}: expected one of the {len(ids)} "
                       f"{kind} ids of {fw.id} {fw.version} ({some}, ...)")


def _key_problems(doc: YamlDocument) -> list[Problem]:
    """Ids written without quotes: YAML reads ``1.10`` as the number 1.1, losing the id."""
    problems = []
    assessors = doc.data.get("assessors")
    if not isinstance(assessors, list):
        return problems
    for n, assessor in enumerate(assessors):
        if not isinstance(assessor, dict):
            continue
        for section in ("indicators", "measures", "triggers"):
            items = assessor.get(section)
            if not isinstance(items, dict):
                continue
            for key in items:
                if not isinstance(key, str):
                    path = ("assessors", n, section, key)
                    problems.append(doc.problem(path, f"{section[:-1]} id {key!r} must be "
                                                f"quoted, e.g. '{key}': YAML reads unquoted "
                                                "numbers as numbers (1.10 becomes 1.1)"))
    return problems


def _framework(a: Assessment, doc: YamlDocument, home) -> Framework:
    try:
        fw = load_framework(a.framework, home)
    except InputError as exc:
        raise InputError(doc.problem(("framework",), exc.problems[0].message)) from None
    if fw.version != a.framework_version:
        raise InputError(doc.problem(("framework_version",), f"framework {fw.id} is version "
                                     f"{fw.version!r} here, but the assessment was made with "
                                     f"version {a.framework_version!r}; expected "
                                     f"framework_version: {fw.version!r}"))
    return fw


def check(a: Assessment, fw: Framework, doc: YamlDocument | None = None) -> list[Problem]:
    """Every reference to the framework that does not resolve, and every duplicate id."""
    doc = doc or YamlDocument(file="<assessment>", data=None)
    problems: list[Problem] = []
    indicators = fw.indicators
    measures = {m.id for m in fw.resilience_measures}
    triggers = {t.id for t in fw.triggers}
    known = {"indicator": indicators, "measure": measures, "trigger": triggers}

    def unknown(kind: str, item_id: str, path: tuple) -> None:
        problems.append(_unknown(doc, fw, kind, known[kind], item_id, path))

    if a.period.start > a.period.end:
        problems.append(doc.problem(("period",), f"period starts {a.period.start} after it "
                                    f"ends {a.period.end}; expected start <= end"))
    seen: dict[str, int] = {}
    for n, assessor in enumerate(a.assessors):
        if assessor.id in seen:
            problems.append(_duplicate(doc, n, assessor.id, seen[assessor.id]))
        else:
            seen[assessor.id] = n
        for section, kind, ids in (("indicators", "indicator", indicators),
                                   ("measures", "measure", measures),
                                   ("triggers", "trigger", triggers)):
            for item_id in getattr(assessor, section):
                if item_id not in ids:
                    unknown(kind, item_id, ("assessors", n, section, item_id))

    scenario_ids: set[str] = set()
    watch_ids: set[str] = set()
    for s, scenario in enumerate(a.scenarios):
        base = ("scenarios", s)
        if scenario.id in scenario_ids:
            problems.append(doc.problem(base + ("id",), f"duplicate scenario id {scenario.id!r}"))
        scenario_ids.add(scenario.id)
        problems += _ref_problems(doc, base, scenario, indicators, triggers, unknown)
        for w, watch in enumerate(scenario.watch_points):
            wbase = base + ("watch_points", w)
            if watch.id in watch_ids:
                problems.append(doc.problem(wbase + ("id",), f"duplicate watch point id "
                                            f"{watch.id!r}"))
            watch_ids.add(watch.id)
            problems += _ref_problems(doc, wbase, watch, indicators, triggers, unknown)
    return problems


def watched_rule_problems(a: Assessment, alert_rules: set[str],
                          doc: YamlDocument | None = None) -> list[Problem]:
    """Watch points that name an alert rule not among ``alert_rules``: such a watch
    point would never see an alert, and nobody would be told."""
    doc = doc or YamlDocument(file="<assessment>", data=None)
    problems = []
    known = ", ".join(sorted(alert_rules))
    for s, scenario in enumerate(a.scenarios):
        for w, watch in enumerate(scenario.watch_points):
            for k, rule in enumerate(watch.alert_rules):
                if rule not in alert_rules:
                    problems.append(doc.problem(
                        ("scenarios", s, "watch_points", w, "alert_rules", k),
                        f"watch point {watch.id!r} names alert rule {rule!r}, which is not "
                        f"a rule in force (tocsin warn rules: {known})"))
    return problems


def _ref_problems(doc, base, item, indicators, triggers, unknown) -> list[Problem]:
    for k, ref in enumerate(item.indicators):
        if ref not in indicators:
            unknown("indicator", ref, base + ("indicators", k))
    for k, ref in enumerate(item.triggers):
        if ref not in triggers:
            unknown("trigger", ref, base + ("triggers", k))
    return []


def _natural(item_id: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in item_id.split(".")) + (item_id,)


# --- writing ------------------------------------------------------------------------


def to_data(a: Assessment) -> dict[str, Any]:
    """Plain data in file order; empty optional fields are left out to keep files short."""
    return _clean(a.model_dump(mode="python"))


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item is None or (isinstance(item, list) and not item and key != "assessors"):
                continue
            if key == "sensitive" and item is False:
                continue
            out[key] = _clean(item)
        return out
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_assessment(a: Assessment, header: str | None = None) -> str:
    """The assessment as YAML; ``load(dump(a)) == a``."""
    text = yaml.dump(to_data(a), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)
    if header:
        text = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines()) + text
    return text


# --- the template ---------------------------------------------------------------------


def new_assessment(
    framework: Framework,
    country: str,
    *,
    subnational: str | None = None,
    period: tuple[dt.date, dt.date] | None = None,
    date: dt.date | None = None,
    assessors: list[Assessor] | None = None,
) -> Assessment:
    """A blank assessment: every indicator, measure and trigger listed, all unrated.

    Without ``assessors`` the template has two placeholders, one government and one
    civil society, because the report asks for civil society in the review.
    """
    today = date or dt.date.today()
    if period is None:
        period = (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))
    if assessors is None:
        assessors = [
            Assessor(id="gov-1", name="Name of government assessor", affiliation="government"),
            Assessor(id="cso-1", name="Name of civil-society assessor",
                     affiliation="civil-society"),
        ]
    filled = [
        assessor.model_copy(update={
            "indicators": {i: assessor.indicators.get(i, IndicatorRating())
                           for i in framework.indicators},
            "measures": {m.id: assessor.measures.get(m.id, MeasureRating())
                         for m in framework.resilience_measures},
            "triggers": {t.id: assessor.triggers.get(t.id, TriggerObservation())
                         for t in framework.triggers},
        })
        for assessor in assessors
    ]
    return Assessment(
        country=country, subnational=subnational, framework=framework.id,
        framework_version=framework.version, period=Period(start=period[0], end=period[1]),
        date=today, status="draft", assessors=filled,
    )


TEMPLATE_WIDTH = 100  # comment lines are wrapped to this width


def dump_template(a: Assessment, fw: Framework) -> str:
    """The template as YAML, with each indicator's text as a comment beside its id and
    the framework's rating guidance as comments: the general guidance (unknown,
    confidence) in the header, each risk factor's guidance for levels 0-3 above its
    indicators in the first assessor's block (the other assessors get the risk
    factor's name only, so the file stays readable)."""
    header = (
        f"Tocsin national assessment of risk and resilience: {a.country}, "
        f"{fw.title} ({fw.id} {fw.version}).\n"
        "Fill in per assessor: level 0 absent, 1 present, 2 significant, 3 severe, or unknown;\n"
        "confidence low|medium|high; trend worsening|stable|improving; evidence: list of\n"
        "{text, url, date, event_id, document_hash, sensitive}. Measures: status\n"
        "absent|partial|in-place, effectiveness none|low|medium|high. Triggers: observed\n"
        "true|false. See docs/assessment-format.md."
    )
    guidance = _general_guidance_lines(fw)
    if guidance:
        header += "\n\n" + "\n".join(guidance)
    text = dump_assessment(a, header=header)
    notes = {"indicators": {i: ind.text for i, ind in fw.indicators.items()},
             "measures": {m.id: m.name for m in fw.resilience_measures},
             "triggers": {t.id: t.name for t in fw.triggers}}
    # The first indicator of each risk factor: where its guidance goes.
    opens = {rf.indicators[0].id: rf for rf in fw.risk_factors if rf.indicators}
    general_source = fw.rating_guidance.source if fw.rating_guidance else None
    # One line per item, its text as a comment: a 124-indicator template stays readable.
    lines: list[str] = []
    section = None
    assessor = -1
    rows = text.splitlines()
    k = 0
    while k < len(rows):
        line = rows[k]
        stripped = line.strip()
        if line.startswith("- id: "):
            assessor += 1
        if line.startswith("  ") and not line.startswith("   ") and stripped.endswith(":"):
            section = stripped[:-1] if stripped[:-1] in notes else None
        if section and line.startswith("    ") and not line.startswith("     "):
            key_text = stripped.split(":", 1)[0]
            item_id = key_text.strip("'\"")
            fields = []
            k += 1
            while k < len(rows) and rows[k].startswith("      "):
                fields.append(rows[k].strip())
                k += 1
            if stripped.endswith("{}"):
                fields = ["observed: null"] if section == "triggers" else []
            if section == "indicators" and item_id in opens:
                lines += _risk_factor_lines(opens[item_id], first=assessor == 0,
                                            general_source=general_source,
                                            first_assessor=a.assessors[0].id)
            note = notes[section].get(item_id, "")
            if len(note) > 70:
                note = note[:67].rstrip() + "..."
            lines.append(f"    {key_text}: {{{', '.join(fields)}}}" + (f"  # {note}" if note
                                                                        else ""))
            continue
        lines.append(line)
        k += 1
    return "\n".join(lines) + "\n"


def _wrap(text: str, first: str, rest: str, width: int = TEMPLATE_WIDTH) -> list[str]:
    import textwrap

    return textwrap.wrap(" ".join(text.split()), width=width, initial_indent=first,
                         subsequent_indent=rest, break_on_hyphens=False)


def _general_guidance_lines(fw: Framework) -> list[str]:
    """The header's guidance, without the leading "# " (dump_assessment adds it)."""
    g = fw.rating_guidance
    if g is None:
        return []
    width = TEMPLATE_WIDTH - 2
    source = next((s for s in fw.sources if s.key == g.source), None)
    title = (f"Rating guidance [{source.publisher}, {source.year}]" if source
             else f"Rating guidance [{g.source}]")
    lines = _wrap(title + (f": {g.note}" if g.note else ""), "", "", width)
    if g.scale:
        lines += _wrap(g.scale, "  Levels: ", "    ", width)
    lines += _wrap(g.unknown, "  unknown: ", "    ", width)
    for name, text in g.confidence.levels():
        lines += _wrap(text, f"  confidence {name}: ", "    ", width)
    if g.confidence.note:
        lines += _wrap(g.confidence.note, "  ", "  ", width)
    if any(rf.rating_guidance for rf in fw.risk_factors):
        lines.append("  Each risk factor's guidance for levels 0-3 is above its indicators, "
                     "under the first assessor.")
    return lines


def _risk_factor_lines(rf, *, first: bool, general_source: str | None,
                       first_assessor: str) -> list[str]:
    g = rf.rating_guidance
    own = "" if g is None or g.source == general_source else f" [guidance: {g.source}]"
    head = f"    # Risk factor {rf.id}. {rf.name}{own}"
    if g is None:
        return [head]
    if not first:
        return [head + f" (guidance under {first_assessor})"]
    lines = [head]
    if g.note:
        lines += _wrap(g.note, "    #   ", "    #   ")
    pad = " " * len("    #   3 significant: ")
    for level, name, text in g.levels():
        label = f"{level} {name}:"
        lines += _wrap(text, f"    #   {label:<14} ", "    #" + pad[5:])
    return lines
