"""The README and the docs are run: every command they show is run as written, from a
checkout, and its output compared with what the page says.

What a page shows:
- a fenced block with lines starting ``$ `` is a session: each ``$ command`` is run
  with bash in the checkout (``tocsin`` on PATH, state in a fresh TOCSIN_HOME, the
  shared data folder at ``../shared``), one block after the other, so a page is a
  tour; the lines after a command, up to the next one, are its output (stdout and
  stderr together);
- in an output line, ``…`` stands for any text (a time, a batch id, a path); a line
  that is only ``...`` stands for any number of lines;
- ``<!-- not run: why -->`` on the line before a block leaves it out (a command that
  serves forever, or asks for a password);
- a block that names ``../shared`` is run only where the shared data folder is
  (CI has it beside the clone; it holds data Tocsin may not redistribute);
- a synopsis line (``tocsin area command [--option ...]`` outside a session) must
  name a command that exists and options it takes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
SKIP = re.compile(r"<!--\s*not run:")
MARK = "@@tocsin-docs-command@@"


@dataclass
class Command:
    text: str
    line: int
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    line: int
    commands: list[Command]
    needs_shared: bool


def sessions(path: Path) -> list[Block]:
    """The runnable blocks of a page, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        start, body = i, []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append((i + 1, lines[i]))
            i += 1
        i += 1
        skipped = start > 0 and SKIP.search(lines[start - 1])
        if skipped or not any(t.startswith("$ ") for _, t in body):
            continue
        commands: list[Command] = []
        for n, text in body:
            if text.startswith("$ "):
                commands.append(Command(text[2:], n))
            elif commands and commands[-1].expected is not None:
                if commands[-1].text.endswith("\\") and not commands[-1].expected:
                    commands[-1].text = commands[-1].text[:-1] + " " + text.strip()
                else:
                    commands[-1].expected.append(text)
        for c in commands:  # a blank line before the next command is layout, not output
            while c.expected and not c.expected[-1].strip():
                c.expected.pop()
        blocks.append(Block(start + 1, commands, any("../shared" in c.text
                                                      for c in commands)))
    return blocks


def matches(expected: list[str], actual: list[str]) -> bool:
    """Do the output lines match the page's, with its ``…`` and ``...`` wildcards?"""
    def line_ok(pattern: str, text: str) -> bool:
        parts = [re.escape(p) for p in pattern.rstrip().split("…")]
        return re.fullmatch(".*".join(parts), text.rstrip()) is not None

    def walk(e: int, a: int) -> bool:
        if e == len(expected):
            return a == len(actual)
        if expected[e].strip() == "...":
            return any(walk(e + 1, k) for k in range(a, len(actual) + 1))
        return a < len(actual) and line_ok(expected[e], actual[a]) and walk(e + 1, a + 1)

    return walk(0, 0)


def run_page(path: Path, tmp: Path) -> list[tuple[Command, list[str]]]:
    """Run the page's sessions in one bash, in a fresh checkout-like folder."""
    clone = tmp / "clone"
    clone.mkdir()
    for name in ("examples", "src", "docs", "benchmarks", "scripts"):
        (clone / name).symlink_to(REPO / name)
    if SHARED.is_dir():
        (tmp / "shared").symlink_to(SHARED)
    blocks = [b for b in sessions(path) if SHARED.is_dir() or not b.needs_shared]
    commands = [c for b in blocks for c in b.commands]
    # The marker's echo must not hide the exit status from a page's ``echo $?``.
    script = "".join(f"__status=$?; echo '{MARK}'; (exit $__status)\n{c.text}\n"
                     for c in commands)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
    env.update(PATH=f"{BIN}:{env.get('PATH', '')}", TOCSIN_HOME=str(tmp / "home"),
               HOME=str(tmp), COLUMNS="100")
    out = subprocess.run(["bash", "-c", script], cwd=clone, env=env, stdout=subprocess.PIPE,
                         text=True, stderr=subprocess.STDOUT, timeout=3600)
    chunks = out.stdout.split(MARK + "\n")[1:]
    assert len(chunks) == len(commands), out.stdout[-2000:]
    return [(c, chunk.rstrip("\n").split("\n") if chunk.strip() else [])
            for c, chunk in zip(commands, chunks, strict=True)]


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if sessions(p)],
                         ids=lambda p: str(p.relative_to(REPO)))
def test_every_command_shown_gives_the_output_shown(page, tmp_path):
    wrong = []
    for command, actual in run_page(page, tmp_path):
        if not matches(command.expected, actual):
            wrong.append(f"{page.name}:{command.line}: $ {command.text}\n  page says:\n    "
                         + "\n    ".join(command.expected or ["(nothing)"])
                         + "\n  got:\n    " + "\n    ".join(actual or ["(nothing)"]))
    assert not wrong, "\n\n".join(wrong)


SYNOPSIS = re.compile(r"^\s*tocsin ([a-z][a-z-]*)(?: ([a-z][a-z_-]*))?(.*)$")


def synopses() -> list[tuple[Path, int, str]]:
    out = []
    for page in PAGES:
        inside = False
        for n, text in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
            if text.startswith("```"):
                inside = not inside
                continue
            if inside and SYNOPSIS.match(text):
                out.append((page, n, text))
    return out


def _help(words: tuple[str, ...]) -> str:
    r = subprocess.run([str(BIN / "tocsin"), *words, "--help"], capture_output=True,
                       text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    return r.stdout if r.returncode == 0 else ""


@pytest.mark.slow
def test_every_synopsis_names_real_commands_and_options():
    wrong, cache = [], {}
    for page, n, text in synopses():
        m = SYNOPSIS.match(text)
        area, command, rest = m.group(1), m.group(2), m.group(3)
        for part in re.split(r"\s{2,}(?=tocsin )", text.strip()):  # two synopses on a line
            m = SYNOPSIS.match(part)
            area, command, rest = m.group(1), m.group(2), m.group(3)
            words = (area,) if area in ("serve", "demo", "manage") else (area, command or "")
            words = tuple(w for w in words if w)
            sub = re.match(r"\s*([a-z][a-z_-]*)\b(?!-)", rest)  # a group's command
            if sub and len(words) == 2 and _help((*words, sub.group(1))):
                words, rest = (*words, sub.group(1)), rest[sub.end():]
            if "|" in (command or ""):
                continue
            if area == "manage":
                continue  # Django's commands: `tocsin manage help` lists them
            helptext = cache.setdefault(words, _help(words))
            if not helptext:
                wrong.append(f"{page.name}:{n}: `tocsin {' '.join(words)}` is not a command")
                continue
            for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest.split("#")[0]):
                if option not in helptext:
                    wrong.append(f"{page.name}:{n}: `tocsin {' '.join(words)}` has no "
                                 f"{option}")
    assert not wrong, "\n".join(wrong)


def test_the_matcher_and_the_reader_see_what_they_check():
    assert matches(["read 855  stored 855  […, … s]"], ["read 855  stored 855  [b1, 0.2 s]"])
    assert not matches(["read 855"], ["read 856"])
    assert matches(["a", "...", "z"], ["a", "b", "c", "z"]) and matches(["a", "..."], ["a"])
    assert not matches(["a", "z"], ["a", "b", "z"])
    readme = sessions(REPO / "README.md")
    assert sum(len(b.commands) for b in readme) >= 20
    assert synopses(), "the docs show the command line's synopsis"
    assert shutil.which("bash")
