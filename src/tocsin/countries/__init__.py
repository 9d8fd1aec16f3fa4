"""Country codes: Tocsin names every country by its ISO 3166-1 alpha-3 code.

One list of the codes Tocsin knows (``data/iso3166.csv``: ISO 3166-1 with its numeric
codes and English names, plus ``XKX`` for Kosovo, which the Early Warning Project and
the World Bank use), and the crosswalks from the codes and names the sources use:
ACLED names countries and gives ISO numeric codes (legacy files Gleditsch-Ward numbers),
UCDP uses Gleditsch-Ward numbers and its own names ("Myanmar (Burma)"), GDELT's geo
fields FIPS 10-4 ("BM" is Myanmar, "NI" Nigeria). The crosswalks are CSV files so that
a reviewer can read and correct them without reading code.

A crosswalk row with an empty iso3 means "known code, no country" (GDELT "OS" for
oceans): such events are kept with country NULL instead of being rejected.

Everything that checks a country code (assessment files, framework state practice,
command options, site forms, the API, forecast imports) uses ``is_known``/``check``
or the ``ISO3`` type here.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from importlib.resources import files
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from tocsin.errors import InputError, Problem

SCHEMES = ("iso3", "numeric", "fips", "gwno", "name")
PATTERN = r"^[A-Z]{3}$"  # for schemas (API, JSON); membership is ``is_known``


def _rows(name: str) -> list[dict[str, str]]:
    text = files("tocsin.countries").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def names() -> dict[str, str]:
    """ISO3 -> English name, for every code Tocsin knows: the common name where ISO's is
    a formal one ("Iran", not "Iran, Islamic Republic of"), as pycountry gives it."""
    import pycountry

    out = {r["iso3"]: r["name"] for r in _rows("iso3166.csv")}
    for c in pycountry.countries:
        if getattr(c, "common_name", None) and c.alpha_3 in out:
            out[c.alpha_3] = c.common_name
    return out


def name(iso3: str) -> str:
    """The country's English name; the code itself if it is unknown."""
    return names().get(iso3, iso3)


def is_known(code: object) -> bool:
    return isinstance(code, str) and code in names()


def check(code: str | None, where: str = "--country") -> str:
    """The code in capitals if it names a known country; else ``InputError`` naming
    ``where`` (an option, a file and line, a record)."""
    text = (code or "").strip().upper()
    if not re.fullmatch(PATTERN, text):
        raise InputError(Problem(where, f"{code!r} is not an ISO 3166-1 alpha-3 code "
                                        "(three letters, e.g. KEN)"))
    if text not in names():
        raise InputError(Problem(where, f"{text!r} is not a country Tocsin knows "
                                        "(ISO 3166-1 alpha-3, e.g. KEN)"))
    return text


def _known(code: str) -> str:
    if code not in names():
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-3 country code")
    return code


# A validated code in a Pydantic model (assessment files, frameworks, subscribers).
ISO3 = Annotated[str, StringConstraints(pattern=PATTERN), AfterValidator(_known)]


def name_key(text: str) -> str:
    """Normalised country name for matching: case, accents and spacing ignored."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("’", "'").split())


@cache
def tables() -> dict[str, dict[str, str | None]]:
    """scheme -> code -> iso3 (None for known codes with no country)."""
    import pycountry

    out: dict[str, dict[str, str | None]] = {s: {} for s in SCHEMES}
    for row in _rows("iso3166.csv"):
        out["iso3"][row["iso3"]] = row["iso3"]
        if row["numeric"]:
            out["numeric"][str(int(row["numeric"]))] = row["iso3"]
        out["name"][name_key(row["name"])] = row["iso3"]
    # pycountry adds common and official names ("Bolivia", "Republic of ...").
    for c in pycountry.countries:
        for attr in ("common_name", "official_name"):
            if getattr(c, attr, None):
                out["name"].setdefault(name_key(getattr(c, attr)), c.alpha_3)
    for row in _rows("fips.csv"):
        out["fips"][row["fips"]] = row["iso3"] or None
    for row in _rows("gwno.csv"):
        out["gwno"][row["gwno"]] = row["iso3"]
    for row in _rows("country_names.csv"):
        out["name"][name_key(row["name"])] = row["iso3"]
    return out


def to_iso3(scheme: str, code: str | int | None) -> str | None:
    """ISO3 for a code of ``scheme``; KeyError if the code is unknown."""
    if code is None or str(code).strip() == "":
        return None
    key = str(code).strip()
    if scheme == "name":
        key = name_key(key)
    elif scheme in ("numeric", "gwno"):
        key = str(int(float(key)))
    elif scheme == "iso3":
        key = key.upper()
    return tables()[scheme][key]
