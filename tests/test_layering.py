"""The one rule of layering, checked from the code's own import statements: the core
never imports the site or the command line (nor Django), and no two files of
``src/tocsin`` import each other, directly or round a circle, at module level or inside
a function."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

SRC = REPO / "src"
PACKAGE = SRC / "tocsin"
CORE = ("framework", "assessment", "events", "warning", "forecast", "monitor")
EDGES = ("tocsin.web", "tocsin.cli")
FORBIDDEN_IN_CORE = ("django", "ninja", "waitress", "whitenoise", "csp", "axes", "django_otp")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def imports(path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every import in the file, wherever it is written.
    ``from X import y`` names ``X.y`` when that is a module of ours, else ``X``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for a in node.names:
                full = f"{base}.{a.name}"
                found.append((full if full in MODULES else base, node.lineno))
    return found


def test_the_core_never_imports_the_site_the_command_line_or_django():
    wrong = []
    for name, path in MODULES.items():
        if not name.startswith(tuple(f"tocsin.{c}" for c in CORE)):
            continue
        for target, line in imports(path):
            top = target.split(".")[0]
            if top in FORBIDDEN_IN_CORE or target.startswith(EDGES):
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {target}")
    assert not wrong, "the core reaches into an edge:\n" + "\n".join(wrong)


def test_no_import_cycle_between_files():
    graph = {name: {t for t, _ in imports(path) if t in MODULES and t != name}
             for name, path in MODULES.items()}
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_checks_see_what_they_check():
    # A check that saw no imports could never fail.
    assert "tocsin.warning.run" in MODULES and "tocsin.web.alerts.store" in MODULES
    seen = {t for t, _ in imports(MODULES["tocsin.web.alerts.store"])}
    assert {"tocsin.warning.lifecycle", "django.db"} <= seen
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
