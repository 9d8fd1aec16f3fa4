from __future__ import annotations

from pathlib import Path

import pytest

EWP = Path(__file__).parents[2].parent / "shared" / "data" / "ewp"
PREDICTORS_CSV = EWP / "prepared2024predictors-2025-09-03.csv"


@pytest.fixture(scope="session")
def data_csv() -> Path:
    if not PREDICTORS_CSV.exists():
        pytest.skip(f"EWP data not found at {PREDICTORS_CSV}")
    return PREDICTORS_CSV


@pytest.fixture(scope="session")
def panel(data_csv):
    from tocsin.forecast.panel import OUTCOMES, read_panel

    return read_panel(data_csv, outcomes=OUTCOMES)


@pytest.fixture(scope="session")
def model_2014(data_csv, tmp_path_factory) -> Path:
    """The chosen model (rank), trained through the command line for base year 2014."""
    from tocsin.cli import main

    out = tmp_path_factory.mktemp("model") / "m2014.json"
    assert main(["forecast", "train", "--data", str(data_csv), "--until", "2014",
                 "-o", str(out)]) == 0
    return out
