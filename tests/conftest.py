"""Shared test helpers: where the repository and the shared real data are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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
