"""Where Tocsin keeps its state: ``--home DIR``, else ``TOCSIN_HOME``, else ``~/.tocsin``.

Every command that touches stored state takes ``--home`` so that a test or a
second deployment never shares state by accident.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

ENV_VAR = "TOCSIN_HOME"


def resolve_home(home: Path | str | None = None) -> Path:
    if home:
        path = Path(home)
    elif os.environ.get(ENV_VAR):
        path = Path(os.environ[ENV_VAR])
    else:
        path = Path.home() / ".tocsin"
    return path.expanduser().resolve()


def ensure_home(home: Path | str | None = None) -> Path:
    path = resolve_home(home)
    path.mkdir(parents=True, exist_ok=True)
    return path


HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help=f"State directory (default: ${ENV_VAR}, else ~/.tocsin).",
        show_default=False,
    ),
]
