"""Find, read, merge and validate framework documents.

Shipped frameworks live in ``tocsin/framework/data``; a state's own ones (for
example an extension that drops in the official UN texts) live in
``<home>/frameworks``. Loading reports *every* problem at once, each with the
file, the line and what was expected, because a state adapting a framework
should not have to fix its file one error at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tocsin.config import home as resolve_home
from tocsin.errors import InputError, Problem
from tocsin.framework.models import (
    ExtensionDocument,
    Framework,
    FrameworkDocument,
    Indicator,
    RiskFactor,
    split_ref,
)
from tocsin.yamlsource import YamlDocument, format_path, pydantic_problems, read_yaml

SHIPPED_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Entry:
    id: str
    version: str
    title: str
    path: Path
    origin: str  # "shipped" or "local"
    extends: str | None = None


def _candidate_files(home: Path | None) -> list[tuple[Path, str]]:
    files = [(p, "shipped") for p in sorted(SHIPPED_DIR.glob("*.yaml"))]
    local = resolve_home(home) / "frameworks"
    if local.is_dir():
        files += [(p, "local") for p in sorted(local.glob("*.y*ml"))]
    return files


def list_frameworks(home: Path | str | None = None) -> list[Entry]:
    """Every framework Tocsin can see; unreadable local files are skipped (validate says why)."""
    entries: dict[str, Entry] = {}
    for path, origin in _candidate_files(Path(home) if home else None):
        try:
            data = _read(path).data
        except InputError:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            continue
        # A local file with a shipped id replaces the shipped one: that is how a
        # state installs its corrected version.
        entries[data["id"]] = Entry(
            id=data["id"], version=str(data.get("version", "")),
            title=str(data.get("title") or data.get("extends") or ""), path=path,
            origin=origin, extends=data.get("extends"),
        )
    return list(entries.values())


def find_framework(framework_id: str, home: Path | str | None = None) -> Path:
    for entry in list_frameworks(home):
        if entry.id == framework_id:
            return entry.path
    known = ", ".join(e.id for e in list_frameworks(home))
    raise InputError(Problem(framework_id, f"no framework with this id (known: {known})"))


def load_framework(id_or_path: str | Path, home: Path | str | None = None) -> Framework:
    """Load a framework by id or from a file; raise ``InputError`` listing every problem."""
    path = Path(id_or_path)
    if not (path.suffix in {".yaml", ".yml"} or path.exists()):
        path = find_framework(str(id_or_path), home)
    resolved = path.resolve()
    try:
        return _load_path(resolved, _mtime(path), str(resolve_home(home)))
    except InputError as exc:
        # Name the file as the user named it, not by the absolute path read.
        problems = [Problem(str(path), p.message, p.line, p.where) if p.file == str(resolved)
                    else p for p in exc.problems]
        raise type(exc)(problems) from None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@lru_cache(maxsize=64)
def _load_path(path: Path, _mtime: float, home: str) -> Framework:
    return _Loader(Path(home)).load(path, stack=())


def _read(path: Path) -> YamlDocument:
    return _read_cached(path, _mtime(path))


@lru_cache(maxsize=64)
def _read_cached(path: Path, _mtime: float) -> YamlDocument:
    return read_yaml(path)


# --- validation ---------------------------------------------------------------------


def _require_mapping(doc: YamlDocument) -> dict[str, Any]:
    if not isinstance(doc.data, dict):
        found = "an empty file" if doc.data is None else type(doc.data).__name__
        raise InputError(Problem(doc.file, f"expected a mapping with id, version, title, ...; "
                                           f"found {found}", doc.line(())))
    return doc.data


class _Loader:
    def __init__(self, home: Path, check_refs: bool = True):
        self.home = home
        # Off when a framework is loaded only to resolve another's references:
        # two documents may refer to each other, and each is checked in its own load.
        self.check_refs = check_refs

    def load(self, path: Path, stack: tuple[str, ...]) -> Framework:
        doc = _read(path)
        data = _require_mapping(doc)
        if "extends" in data:
            return self._load_extension(doc, stack)
        return self._load_document(doc, stack)

    def _by_id(self, doc: YamlDocument, where: tuple, framework_id: str,
               stack: tuple[str, ...]) -> Framework:
        if framework_id in stack:
            chain = " -> ".join(stack + (framework_id,))
            raise InputError(doc.problem(where, f"circular reference between frameworks: {chain}"))
        try:
            path = find_framework(framework_id, self.home)
        except InputError as exc:
            raise InputError(doc.problem(where, exc.problems[0].message)) from None
        return self.load(path.resolve(), stack)

    def _parse(self, doc: YamlDocument, model):
        try:
            return model.model_validate(doc.data)
        except ValidationError as exc:
            raise InputError(pydantic_problems(doc, exc)) from None

    # A plain document, with its includes merged in.
    def _load_document(self, doc: YamlDocument, stack: tuple[str, ...]) -> Framework:
        fdoc: FrameworkDocument = self._parse(doc, FrameworkDocument)
        stack = stack + (fdoc.id,)
        sections: dict[str, list] = {
            "risk_factors": [_with_rf(rf) for rf in fdoc.risk_factors],
            "triggers": list(fdoc.triggers),
            "resilience_measures": list(fdoc.resilience_measures),
            "recommendations": list(fdoc.recommendations),
            "crosswalk": list(fdoc.crosswalk),
        }
        based_on: list[str] = []
        sources = list(fdoc.sources)
        for n, inc in enumerate(fdoc.include):
            # Includes are not transitive: we take the other document's own
            # sections, which is what lets two documents refer to each other.
            other_path = self._include_path(doc, ("include", n, "from"), inc.from_, stack)
            other_doc = _read(other_path)
            _require_mapping(other_doc)
            other: FrameworkDocument = self._parse(other_doc, FrameworkDocument)
            for section in inc.sections:
                sections[section] += list(getattr(other, section))
            based_on.append(other.id)
            sources += [s for s in other.sources if s.key not in {x.key for x in sources}]
        framework = Framework(
            id=fdoc.id, version=fdoc.version, title=fdoc.title, short_title=fdoc.short_title,
            language=fdoc.language, description=fdoc.description, based_on=based_on,
            file=doc.file, sources=sources, expected_indicator_total=fdoc.expected_indicator_total,
            gaps=list(fdoc.gaps), rating_guidance=fdoc.rating_guidance, **sections,
        )
        if self.check_refs:
            check(framework, doc, self.home)
        return framework

    def _include_path(self, doc, where, other_id, stack) -> Path:
        if other_id == stack[-1]:
            raise InputError(doc.problem(where, f"framework {other_id!r} cannot include itself"))
        try:
            return find_framework(other_id, self.home).resolve()
        except InputError as exc:
            raise InputError(doc.problem(where, exc.problems[0].message)) from None

    # A state's version of another framework.
    def _load_extension(self, doc: YamlDocument, stack: tuple[str, ...]) -> Framework:
        ext: ExtensionDocument = self._parse(doc, ExtensionDocument)
        base = self._by_id(doc, ("extends",), ext.extends, stack + (ext.id,))
        problems: list[Problem] = []
        source_keys = {s.key for s in base.sources} | {s.key for s in ext.sources}
        rfs = {rf.id: rf for rf in base.risk_factors}
        indicators = {i.id: i for rf in base.risk_factors for i in rf.indicators}
        order = [i.id for rf in base.risk_factors for i in rf.indicators]

        for n, change in enumerate(ext.risk_factors):
            where = ("risk_factors", n)
            if change.id not in rfs:
                problems.append(doc.problem(where + ("id",), f"risk factor {change.id!r} is "
                                            f"not in {base.id}; adding risk factors is not "
                                            "supported, add indicators to an existing one"))
                continue
            guidance = change.rating_guidance
            if guidance is not None and guidance.source not in source_keys:
                problems.append(doc.problem(where + ("rating_guidance", "source"), f"source "
                                            f"{guidance.source!r} is not listed under sources"))
            rfs[change.id] = rfs[change.id].model_copy(update=_set_fields(change))

        for n, change in enumerate(ext.indicators):
            where = ("indicators", n)
            updates = _set_fields(change)
            if change.verification == "checked" and change.text is None:
                problems.append(doc.problem(where, f"indicator {change.id!r} is marked checked "
                                            "but gives no text: only a text you checked against "
                                            "its source may be marked checked"))
            if change.source is not None and change.source not in source_keys:
                problems.append(doc.problem(where + ("source",), f"source {change.source!r} is "
                                            "not listed under sources"))
            if change.text is not None and change.verification is None:
                # A reworded text is no longer the text that was checked or recalled.
                updates["verification"] = "recalled-low" if change.id in indicators else None
                updates.setdefault("note", "Reworded by this extension; not verified.")
            if change.id in indicators:
                if change.risk_factor and change.risk_factor != indicators[change.id].risk_factor:
                    problems.append(doc.problem(where + ("risk_factor",), "moving an indicator "
                                                "to another risk factor is not supported"))
                    continue
                indicators[change.id] = indicators[change.id].model_copy(update=updates)
            else:
                missing = [f for f in ("risk_factor", "text", "verification", "source")
                           if getattr(change, f) is None]
                if missing:
                    problems.append(doc.problem(where, f"new indicator {change.id!r} needs "
                                                f"{', '.join(missing)}"))
                    continue
                if change.risk_factor not in rfs:
                    problems.append(doc.problem(where + ("risk_factor",), f"risk factor "
                                                f"{change.risk_factor!r} is not in {base.id}"))
                    continue
                indicators[change.id] = Indicator(**{k: v for k, v in updates.items()})
                order.append(change.id)

        if ext.rating_guidance is not None and ext.rating_guidance.source not in source_keys:
            problems.append(doc.problem(("rating_guidance", "source"), f"source "
                                        f"{ext.rating_guidance.source!r} is not listed under "
                                        "sources"))

        for n, dropped in enumerate(ext.drop):
            if dropped not in indicators:
                problems.append(doc.problem(("drop", n), f"cannot drop {dropped!r}: no such "
                                            f"indicator in {base.id}"))
            else:
                del indicators[dropped]
        if problems:
            raise InputError(problems)

        risk_factors = [
            rf.model_copy(update={"indicators": [indicators[i] for i in order
                                                 if i in indicators
                                                 and indicators[i].risk_factor == rf_id]})
            for rf_id, rf in rfs.items()
        ]
        triggers = _merge_by_id(base.triggers, ext.triggers)
        measures = _merge_by_id(base.resilience_measures, ext.resilience_measures)
        framework = base.model_copy(update={
            "id": ext.id, "version": ext.version, "title": ext.title or base.title,
            "short_title": ext.short_title or base.short_title,
            "language": ext.language or base.language,
            "description": ext.description or base.description,
            "based_on": [base.id, *base.based_on], "file": doc.file,
            "sources": list(base.sources) + [s for s in ext.sources
                                             if s.key not in {b.key for b in base.sources}],
            "gaps": base.gaps if ext.gaps is None else list(ext.gaps),
            "rating_guidance": ext.rating_guidance or base.rating_guidance,
            "risk_factors": risk_factors, "triggers": triggers, "resilience_measures": measures,
        })
        if self.check_refs:
            check(framework, doc, self.home)
        return framework


def _with_rf(rf: RiskFactor) -> RiskFactor:
    return rf.model_copy(update={"indicators": [
        i.model_copy(update={"risk_factor": rf.id}) for i in rf.indicators]})


def _set_fields(model) -> dict[str, Any]:
    return {k: getattr(model, k) for k in model.model_fields_set if k != "id"} | {"id": model.id}


def _merge_by_id(base: list, changes: list) -> list:
    merged = {x.id: x for x in base}
    for x in changes:
        merged[x.id] = x
    return list(merged.values())


# --- cross-reference and consistency checks -------------------------------------------


def check(fw: Framework, doc: YamlDocument, home: Path) -> None:
    """Raise ``InputError`` listing every id clash and dangling reference in ``fw``."""
    problems: list[Problem] = []
    lines = _ItemLines(doc)

    seen: dict[str, str] = {}

    def unique(kind: str, item_id: str, path: tuple) -> None:
        if item_id in seen:
            problems.append(Problem(doc.file, f"duplicate id {item_id!r}: already used by a "
                                    f"{seen[item_id]}", lines.of(path), format_path(path)))
        else:
            seen[item_id] = kind

    for r, rf in enumerate(fw.risk_factors):
        unique("risk factor", rf.id, ("risk_factors", r, "id"))
        for i, ind in enumerate(rf.indicators):
            path = ("risk_factors", r, "indicators", i, "id")
            unique("indicator", ind.id, path)
            prefix = ind.id.rpartition(".")[0]
            if "." in ind.id and prefix != rf.id:
                problems.append(Problem(doc.file, f"indicator {ind.id!r} is numbered for risk "
                                        f"factor {prefix!r} but listed under {rf.id!r}",
                                        lines.of(path), format_path(path)))
    for section, kind in (("triggers", "trigger"), ("resilience_measures", "resilience measure"),
                          ("recommendations", "recommendation")):
        for n, item in enumerate(getattr(fw, section)):
            unique(kind, item.id, (section, n, "id"))

    source_keys = {s.key for s in fw.sources}

    def known_source(key: str, path: tuple) -> None:
        if key not in source_keys:
            problems.append(Problem(doc.file, f"source {key!r} is not listed under sources "
                                    f"(known: {', '.join(sorted(source_keys))})",
                                    lines.of(path), format_path(path)))

    if fw.rating_guidance is not None:
        known_source(fw.rating_guidance.source, ("rating_guidance", "source"))
    for r, rf in enumerate(fw.risk_factors):
        if rf.rating_guidance is not None:
            known_source(rf.rating_guidance.source,
                         ("risk_factors", r, "rating_guidance", "source"))
        for i, ind in enumerate(rf.indicators):
            known_source(ind.source, ("risk_factors", r, "indicators", i, "source"))

    resolver = _Resolver(fw, home)
    expect = [
        ("triggers", "indicators", Indicator),
        ("resilience_measures", "mitigates", RiskFactor),
        ("crosswalk", "primary", RiskFactor),
        ("crosswalk", "also", RiskFactor),
        ("crosswalk", "indicators", Indicator),
        ("recommendations", "measures", "ResilienceMeasure"),
    ]
    for section, field, kind in expect:
        for n, item in enumerate(getattr(fw, section)):
            refs = getattr(item, field)
            for k, ref in enumerate(refs if isinstance(refs, list) else [refs]):
                path = (section, n, field) + ((k,) if isinstance(refs, list) else ())
                error = resolver.check(ref, kind)
                if error:
                    problems.append(Problem(doc.file, error, lines.of(path), format_path(path)))
    for n, entry in enumerate(fw.crosswalk):
        if not any(rf.id == entry.from_ for rf in fw.risk_factors):
            path = ("crosswalk", n, "from")
            problems.append(Problem(doc.file, f"crosswalk from {entry.from_!r}: no such risk "
                                    f"factor in {fw.id}", lines.of(path), format_path(path)))
    if problems:
        raise InputError(problems)


class _ItemLines:
    """Line lookup that tolerates paths into merged sections (not in this file)."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc

    def of(self, path: tuple) -> int | None:
        return self.doc.lines.get(tuple(path)) or self.doc.line(path[:1])


class _Resolver:
    def __init__(self, fw: Framework, home: Path):
        self.fw = fw
        self.home = home
        self.others: dict[str, Framework | None] = {}

    def _framework(self, doc_id: str) -> Framework | None:
        if doc_id not in self.others:
            try:
                self.others[doc_id] = _Loader(self.home, check_refs=False).load(
                    find_framework(doc_id, self.home).resolve(), stack=(self.fw.id,))
            except InputError:
                self.others[doc_id] = None
        return self.others[doc_id]

    def check(self, ref: str, kind) -> str | None:
        kind_name = kind if isinstance(kind, str) else kind.__name__
        label = {"Indicator": "an indicator", "RiskFactor": "a risk factor",
                 "ResilienceMeasure": "a resilience measure"}[kind_name]
        target = self.fw
        if self.fw.own(ref) is None:
            doc_id, _ = split_ref(ref)
            target = self._framework(doc_id)
            if target is None:
                return f"{ref!r} points to framework {doc_id!r}, which is unknown or invalid"
        try:
            item = target.resolve(ref)
        except KeyError:
            return f"{ref!r} does not resolve: expected {label} id in {target.id}"
        if type(item).__name__ != kind_name:
            return f"{ref!r} is a {type(item).__name__}, expected {label}"
        return None
