"""The bundled UN Treaty Collection snapshot (2013-2015) for recommendation 3.

Old data, shown only with its as-of date and never as current status (see
data/README.md). A state absent from a file has recorded no action then: that is
"no action recorded", not "no".
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from tocsin.countries import to_iso3

# file, as-of date (the file's latest action date, README), UNTC reference
TREATIES = {
    "genocide_convention": ("untc-IV-1-genocide-convention.csv", dt.date(2014, 6, 6), "IV-1"),
    "rome_statute": ("untc-XVIII-10-rome-statute.csv", dt.date(2013, 2, 15), "XVIII-10"),
    "arms_trade_treaty": ("untc-XXVI-8-arms-trade-treaty.csv", dt.date(2014, 6, 16), "XXVI-8"),
}
# UNTC spellings that the events crosswalk does not know.
UNTC_NAMES = {
    "Bolivia (Plurinational State of)": "BOL", "Iran (Islamic Republic of)": "IRN",
    "Republic of Korea": "KOR", "St. Vincent and the Grenadines": "VCT",
    "State of Palestine": "PSE", "The former Yugoslav Republic of Macedonia": "MKD",
    "Venezuela (Bolivarian Republic of)": "VEN", "St. Kitts and Nevis": "KNA",
    "St. Lucia": "LCA",
}
ACTS = {"": "ratification", "a": "accession", "d": "succession", "A": "acceptance",
        "AA": "approval"}


@dataclass(frozen=True)
class TreatyStatus:
    treaty: str
    country: str
    participant: str
    signed: dt.date | None
    bound: dt.date | None
    act: str  # ratification | accession | succession | acceptance | approval | ""
    as_of: dt.date
    reference: str

    @property
    def status(self) -> str:
        return "done" if self.bound else ("signed" if self.signed else "none")


def _date(text: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    return dt.datetime.strptime(text, "%d %b %Y").date()


def _iso(name: str) -> str:
    if name in UNTC_NAMES:
        return UNTC_NAMES[name]
    return to_iso3("name", name)


@cache
def snapshot() -> dict[tuple[str, str], TreatyStatus]:
    """(treaty, ISO3) -> status, for the states that had taken an action."""
    out = {}
    for treaty, (name, as_of, ref) in TREATIES.items():
        text = files("tocsin.web.tracker").joinpath("data", name).read_text(encoding="utf-8")
        reader = csv.reader(text.splitlines())
        header = next(reader)
        for row in reader:
            rec = dict(zip(header, row, strict=True))
            last = row[-1].strip()
            # "12 Aug 2013 a": split on the last space only when a suffix is there.
            date_text, _, suffix = last.rpartition(" ")
            if suffix not in ACTS or not date_text or len(last.split()) == 3:
                date_text, suffix = last, ""
            iso = _iso(rec["Participant"])
            out[(treaty, iso)] = TreatyStatus(
                treaty, iso, rec["Participant"], _date(rec["Signature"]), _date(date_text),
                ACTS[suffix] if date_text else "", as_of, ref)
    return out


def status(treaty: str, country: str) -> TreatyStatus | None:
    return snapshot().get((treaty, country))
