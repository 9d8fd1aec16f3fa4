"""Every setting is read in one place (``tocsin.config``), documented by its table, and
a value Tocsin cannot use is one line and exit 2 from every command."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tocsin import config

TOCSIN = [sys.executable, "-c", "from tocsin.cli import entry; entry()"]
START = "<!-- settings:"
END = "<!-- end of settings -->"


def test_readme_table_is_the_settings_table():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text[text.index(START):text.index(END)]
    shown = block.split("\n", 1)[1].strip()
    assert shown == config.markdown_table(), "run `python -m tocsin.config` and paste the table"


def test_no_setting_is_read_anywhere_else():
    found = []
    for path in (REPO / "src" / "tocsin").rglob("*.py"):
        if path.name == "config.py" and path.parent.name == "tocsin":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"(os\.environ|getenv)\b.*TOCSIN_", line):
                found.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert not found, "settings read outside tocsin.config:\n" + "\n".join(found)
    # ... and every variable the code names is in the table.
    named = set()
    for path in (REPO / "src" / "tocsin").rglob("*.py"):
        named |= set(re.findall(r'"(TOCSIN_[A-Z_]+)"', path.read_text(encoding="utf-8")))
    assert named <= set(config.BY_ENV), named - set(config.BY_ENV)


def test_values_flags_and_refusals(monkeypatch):
    monkeypatch.delenv("TOCSIN_ENGINE", raising=False)
    assert config.value("TOCSIN_ENGINE") == "duckdb"
    monkeypatch.setenv("TOCSIN_ENGINE", " Spark ")
    assert config.value("TOCSIN_ENGINE") == "spark"
    monkeypatch.setenv("TOCSIN_ENGINE", "polars")
    with pytest.raises(config.ConfigError, match="TOCSIN_ENGINE: must be 'duckdb' or 'spark'"):
        config.value("TOCSIN_ENGINE")
    monkeypatch.setenv("TOCSIN_DEBUG", "yes")
    assert config.flag("TOCSIN_DEBUG")
    monkeypatch.setenv("TOCSIN_DEBUG", "off")
    assert not config.flag("TOCSIN_DEBUG")
    monkeypatch.setenv("TOCSIN_DEBUG", "maybe")
    with pytest.raises(config.ConfigError, match="TOCSIN_DEBUG"):
        config.flag("TOCSIN_DEBUG")
    monkeypatch.setenv("TOCSIN_MAX_UPLOAD_MB", "-3")
    with pytest.raises(config.ConfigError, match="positive"):
        config.number("TOCSIN_MAX_UPLOAD_MB")
    with pytest.raises(KeyError):
        config.value("TOCSIN_NOT_A_SETTING")


def test_home_is_explicit_then_environment_then_default(monkeypatch, tmp_path):
    monkeypatch.setenv("TOCSIN_HOME", str(tmp_path / "env"))
    assert config.home(tmp_path / "flag") == (tmp_path / "flag").resolve()
    assert config.home() == (tmp_path / "env").resolve()
    monkeypatch.delenv("TOCSIN_HOME")
    assert config.home().name == ".tocsin"


def _run(args, home, **env):
    import os

    full = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
    full.update(TOCSIN_HOME=str(home), **env)
    return subprocess.run([*TOCSIN, *args], env=full, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("args", [["warn", "alerts"], ["manage", "check"],
                                  ["warn", "ack", "1"]])
def test_a_bad_database_url_is_one_line_and_exit_2(tmp_path, args):
    r = _run(args, tmp_path, TOCSIN_DATABASE_URL="mysql://x/y")
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [
        "error: TOCSIN_DATABASE_URL: unsupported scheme 'mysql' (use sqlite:///PATH or "
        "postgres://USER:PASSWORD@HOST:PORT/NAME)"]
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_a_bad_engine_is_one_line_and_exit_2(tmp_path):
    from tocsin.events import samples

    gdelt = [p for p in samples.paths() if p.name.startswith("gdelt2")]
    assert _run(["events", "ingest", *map(str, gdelt)], tmp_path).returncode == 0
    r = _run(["warn", "run", "--no-notify"], tmp_path, TOCSIN_ENGINE="polars")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("error: TOCSIN_ENGINE: must be")
