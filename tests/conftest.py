"""Shared test helpers: where the repository and the shared real data are, and the one
Spark session of a test run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_EVENTS = SHARED / "data" / "events"  # real event samples, ACLED's among them


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"the shared data folder {SHARED} is absent (CI has it beside the clone)")
    return SHARED


@pytest.fixture
def run(capsys):
    """Run the tocsin command in-process: returns (exit code, stdout, stderr)."""
    from tocsin.cli import main

    def _run(*args: str):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole run (skips without PySpark or Java). Not
    stopped at the end: ``getOrCreate`` shares it with every test that asks."""
    pytest.importorskip("pyspark")
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java (make system-deps installs it)")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from tocsin.events.engine import spark_session

    return spark_session("local[2]")
