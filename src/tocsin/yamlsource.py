"""Read YAML keeping the line of every value, so errors can name it.

PyYAML's composer gives each node a start mark; we build plain Python data
from the node tree ourselves and keep a map from the path of each value
(a tuple of keys and list indexes) to its 1-based line. Duplicate keys, which
PyYAML would silently let the last one win, are reported as problems.

Files come from other people (an assessment sent by a ministry, an upload to the
site), so reading one is bounded: at most ``MAX_BYTES`` of text and ``MAX_VALUES``
values once aliases are expanded. A few kilobytes of nested aliases ("billion
laughs") would otherwise expand to gigabytes; composing never expands them, and
building stops at the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tocsin.errors import InputError, Problem, UnreadableError

MAX_BYTES = 20 * 2**20  # a 50-assessor assessment with full evidence is about 3 MB
MAX_VALUES = 1_000_000  # values built, aliases expanded; that assessment has ~200,000

Path_ = tuple[Any, ...]
# libyaml's parser when PyYAML was built with it (the wheels are): same nodes and marks.
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDocument:
    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Sequence[Any]) -> int | None:
        """Line of ``path``, or of its nearest ancestor that exists in the file."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def problem(self, path: Sequence[Any], message: str) -> Problem:
        return Problem(self.file, message, self.line(path), format_path(path))


def format_path(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def expanded_size(node: yaml.Node) -> int:
    """How many values building ``node`` would make, aliases expanded; counted on the
    composed graph (where an alias is the same node reached again), without building."""
    sizes: dict[int, int] = {}
    order, stack = [], [node]
    while stack:  # children before parents, each node once
        n = stack.pop()
        if id(n) in sizes:
            continue
        sizes[id(n)] = 0
        order.append(n)
        if isinstance(n, yaml.MappingNode):
            stack.extend(v for pair in n.value for v in pair)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
    for n in reversed(order):
        if isinstance(n, yaml.MappingNode):
            total = 1 + sum(sizes[id(v)] for _k, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            total = 1 + sum(sizes[id(v)] for v in n.value)
        else:
            total = 1
        sizes[id(n)] = min(total, MAX_VALUES + 1)
    return sizes[id(node)]


def _construct(node: yaml.Node, path: Path_, doc: YamlDocument, problems: list[Problem]) -> Any:
    doc.lines[path] = node.start_mark.line + 1
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_COLLECTIONS:
        problems.append(Problem(doc.file, f"unsupported YAML tag {node.tag}", doc.lines[path],
                                format_path(path)))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(doc.file, "keys must be plain text",
                                        key_node.start_mark.line + 1, format_path(path)))
                continue
            try:
                key = _scalar(key_node)
            except _UnsupportedTag as exc:
                problems.append(Problem(doc.file, f"unsupported YAML tag {exc}",
                                        key_node.start_mark.line + 1, format_path(path)))
                continue
            if key in result:
                problems.append(
                    Problem(doc.file, f"duplicate key {key!r}", key_node.start_mark.line + 1,
                            format_path(path))
                )
            result[key] = _construct(value_node, path + (key,), doc, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, path + (i,), doc, problems) for i, item in enumerate(node.value)]
    try:
        return _scalar(node)
    except _UnsupportedTag as exc:
        problems.append(Problem(doc.file, f"unsupported YAML tag {exc}", doc.lines[path],
                                format_path(path)))
        return None
    except ValueError as exc:  # 2024-02-30: YAML reads it as a date that does not exist
        problems.append(Problem(doc.file, f"{node.value!r} is not a valid value ({exc}); "
                                          "dates are YYYY-MM-DD", doc.lines[path],
                                format_path(path)))
        return None


# One constructor for every scalar: building a loader per value made a
# 10-assessor file take seconds. Scalars need no state from the document.
_SCALARS = yaml.SafeLoader("")


def _scalar(node: yaml.ScalarNode) -> Any:
    constructor = _SCALARS.yaml_constructors.get(node.tag)
    if constructor is None:
        raise _UnsupportedTag(node.tag)
    return constructor(_SCALARS, node)


_PLAIN_COLLECTIONS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class _UnsupportedTag(Exception):
    pass


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse YAML text; raise ``UnreadableError`` naming the line if it is not YAML."""
    if len(text) > MAX_BYTES:
        raise UnreadableError(Problem(file, f"is larger than {MAX_BYTES // 2**20} MB; "
                                            "expected a smaller YAML document"))
    try:
        node = yaml.compose(text, Loader=_COMPOSER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or str(exc)
        raise UnreadableError(Problem(file, f"not valid YAML: {reason}", line)) from exc
    except yaml.YAMLError as exc:
        raise UnreadableError(Problem(file, f"not valid YAML: {exc}")) from exc
    doc = YamlDocument(file=file, data=None)
    if node is None:
        return doc
    problems: list[Problem] = []
    if expanded_size(node) > MAX_VALUES:
        raise UnreadableError(Problem(file, f"expands to more than {MAX_VALUES:,} values "
                                            "(nested aliases?); expected a smaller document"))
    try:
        doc.data = _construct(node, (), doc, problems)
    except RecursionError as exc:
        raise UnreadableError(Problem(file, "is nested too deeply; expected a YAML document "
                                            "a few levels deep")) from exc
    if problems:
        raise InputError(problems)
    return doc


def read_yaml(path: Path | str) -> YamlDocument:
    """Read a YAML file as UTF-8; raise ``UnreadableError`` for any reason it cannot be read."""
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_BYTES:
            raise UnreadableError.single(path, f"is larger than {MAX_BYTES // 2**20} MB; "
                                               "expected a smaller YAML document")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableError.single(path, "file not found") from exc
    except IsADirectoryError as exc:
        raise UnreadableError.single(path, "is a directory, expected a YAML file") from exc
    except OSError as exc:
        raise UnreadableError.single(path, f"cannot be read: {exc.strerror}") from exc
    if b"\x00" in raw[:8192]:
        raise UnreadableError.single(path, "is a binary file, expected YAML text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UnreadableError.single(path, "is not UTF-8 text", line) from exc
    return parse_yaml(text, str(path))


def pydantic_problems(doc: YamlDocument, exc: ValidationError) -> list[Problem]:
    """Turn a Pydantic validation error on ``doc.data`` into problems naming file and line."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "missing":
            msg = f"required field '{loc[-1]}' is missing"
            where = loc[:-1]
        elif kind == "extra_forbidden":
            msg = f"unknown field '{loc[-1]}'"
            where = loc
        else:
            got = err.get("input")
            shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
            msg = f"{err['msg'].replace('Input should be', 'expected')}; got {shown}"
            if kind == "string_pattern_mismatch":
                msg = f"expected an identifier matching {err['ctx']['pattern']}; got {shown}"
            where = loc
        problems.append(Problem(doc.file, msg, doc.line(where), format_path(loc)))
    return problems
