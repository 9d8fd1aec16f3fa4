"""Recognising the format of an event file (ACLED, UCDP GED, GDELT 1.0/2.0) from its
header or its field count."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from tocsin.events.files import InputFile

SOURCES = ("acled", "ucdp-ged", "gdelt1", "gdelt2", "mapped")
GDELT_FIELDS = {57: "gdelt1", 58: "gdelt1", 61: "gdelt2"}


@dataclass(frozen=True)
class Format:
    source: str
    layout: str
    description: str


def first_lines(info: InputFile, n: int = 5) -> list[str]:
    lines = [line for line in info.head.splitlines() if line.strip()]
    return lines[:n]


def header_fields(info: InputFile) -> list[str]:
    first = first_lines(info, 1)
    if not first:
        return []
    try:
        return [h.strip().lower() for h in next(csv.reader([first[0]]))]
    except csv.Error:
        return []


def detect(info: InputFile) -> Format:
    """Say what `info` is; raise InputError if it is no format Tocsin knows."""
    lines = first_lines(info)
    first = lines[0]
    if "\t" in first and first.split("\t", 1)[0].strip().isdigit():
        counts = {len(line.split("\t")) for line in lines[:-1] or lines}
        known = [GDELT_FIELDS[c] for c in counts if c in GDELT_FIELDS]
        if known and len(set(known)) == 1:
            src = known[0]
            desc = ("GDELT 2.0 event export (61 tab-separated fields, no header)" if src == "gdelt2"
                    else "GDELT 1.0 event file (57/58 tab-separated fields, no header)")
            return Format(src, "raw", desc)
        raise info.error(
            f"tab-separated with {sorted(counts)} fields per line: not GDELT 1.0 (57 or 58 "
            "fields) nor GDELT 2.0 (61 fields); for other files use --source mapped --mapping",
            1)
    header = set(header_fields(info))
    if {"event_id_cnty", "event_date", "event_type"} <= header:
        if "gwno" in header or "ally_actor_1" in header:
            return Format("acled", "legacy", "ACLED export, legacy layout (UPPERCASE, GWNO)")
        if "disorder_type" in header:
            return Format("acled", "current", "ACLED export, current layout (2023 on)")
        return Format("acled", "classic", "ACLED export, classic layout (data_id, iso, ...)")
    if {"id", "type_of_violence", "date_start", "best"} <= header:
        return Format("ucdp-ged", "csv", "UCDP GED CSV (49 columns)")
    if {"globaleventid", "sqldate", "eventcode"} <= header:
        return Format("gdelt2", "headered",
                      "GDELT 2.0 rows re-written with a header and commas (not the raw export; "
                      "read through its header)")
    raise info.error(
        "not a recognised event file (no ACLED, UCDP GED or GDELT header or layout found); "
        "for other CSV files use --source mapped --mapping FILE.yaml", 1)
