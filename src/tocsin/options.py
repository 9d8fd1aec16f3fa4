"""Command-line options shared by every area (``--home`` lives in ``tocsin.home``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class Format(StrEnum):
    text = "text"
    json = "json"


FormatOption = Annotated[
    Format, typer.Option("--format", help="text for people, json for programs (stable keys)")
]
