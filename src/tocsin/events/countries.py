"""Country codes: everything becomes ISO 3166-1 alpha-3.

Sources name countries differently: ACLED by name and ISO numeric code (legacy
files by Gleditsch-Ward number), UCDP by Gleditsch-Ward number and its own
names ("Myanmar (Burma)"), GDELT geo fields by FIPS 10-4 ("BM" is Myanmar, "NI"
Nigeria). The crosswalks are CSV files in data/ so that a reviewer can read and
correct them without reading code.

A table row with an empty iso3 means "known code, no country" (GDELT "OS" for
oceans): such events are kept with country NULL instead of being rejected.
"""

from __future__ import annotations

import csv
import unicodedata
from functools import cache
from importlib.resources import files

SCHEMES = ("iso3", "numeric", "fips", "gwno", "name")


def _rows(name: str) -> list[dict[str, str]]:
    text = files("tocsin.events").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def name_key(name: str) -> str:
    """Normalised country name for matching: case, accents and spacing ignored."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("’", "'").split())


@cache
def tables() -> dict[str, dict[str, str | None]]:
    """scheme -> code -> iso3 (None for known codes with no country)."""
    out: dict[str, dict[str, str | None]] = {s: {} for s in SCHEMES}
    for row in _rows("iso3166.csv"):
        out["iso3"][row["iso3"]] = row["iso3"]
        if row["numeric"]:
            out["numeric"][str(int(row["numeric"]))] = row["iso3"]
        out["name"][name_key(row["name"])] = row["iso3"]
    try:  # pycountry adds common and official names ("Bolivia", "Republic of ...")
        import pycountry

        for c in pycountry.countries:
            for attr in ("common_name", "official_name"):
                if getattr(c, attr, None):
                    out["name"].setdefault(name_key(getattr(c, attr)), c.alpha_3)
    except ImportError:  # pragma: no cover - pycountry is a dependency
        pass
    for row in _rows("fips.csv"):
        out["fips"][row["fips"]] = row["iso3"] or None
    for row in _rows("gwno.csv"):
        out["gwno"][row["gwno"]] = row["iso3"]
    for row in _rows("country_names.csv"):
        out["name"][name_key(row["name"])] = row["iso3"]
    return out


def to_iso3(scheme: str, code: str | int | None) -> str | None:
    """ISO3 for a code of `scheme`; KeyError if the code is unknown."""
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


def register(con) -> None:
    """Create the temp table `country_codes(scheme, code, iso3)` on a DuckDB connection.

    Names are stored under their normalised key; SQL callers match them with
    the `country_name_key` macro, which applies the same normalisation.
    """
    from tocsin.events.sqlparts import create_table

    schemes, codes, isos = [], [], []
    for scheme, table in tables().items():
        for code, iso3 in table.items():
            schemes.append(scheme)
            codes.append(code)
            isos.append(iso3)
    create_table(con, "country_codes", {"scheme": schemes, "code": codes, "iso3": isos})
    # strip_accents + lower + collapsed spaces: the SQL twin of name_key().
    con.execute(
        "CREATE OR REPLACE TEMP MACRO country_name_key(s) AS "
        "trim(regexp_replace(lower(strip_accents(replace(s, '’', ''''))), '\\s+', ' ', 'g'))"
    )
