"""Small real UCDP GED and GDELT samples bundled for the demo (see README.md here)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

NAMES = (
    "ucdp_ged_myanmar_2021.csv.gz",
    "gdelt2_20191024143000.export.CSV.gz",
    "gdelt1_20160728_sample.export.CSV.gz",
)


def paths() -> list[Path]:
    """The bundled sample files, ready for `tocsin.events.ingest.ingest(home, paths())`."""
    root = Path(str(files("tocsin.events.samples")))
    return [root / name for name in NAMES]
