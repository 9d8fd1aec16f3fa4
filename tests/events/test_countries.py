"""The country codes and crosswalks shipped in src/tocsin/countries/data/."""

from __future__ import annotations

import csv
import gzip

import pycountry
import pytest

from tocsin.countries import tables, to_iso3
from tocsin.events import countries


def test_iso_table_matches_pycountry():
    t = tables()
    for c in pycountry.countries:
        assert t["iso3"][c.alpha_3] == c.alpha_3
        assert t["numeric"][str(int(c.numeric))] == c.alpha_3


def test_every_target_is_a_known_iso3():
    known = set(tables()["iso3"])
    for scheme in ("fips", "gwno", "name", "numeric"):
        bad = {code: iso for code, iso in tables()[scheme].items() if iso and iso not in known}
        assert not bad, f"{scheme} maps to unknown ISO3 codes: {bad}"


@pytest.mark.parametrize("fips,iso3", [
    ("UP", "UKR"), ("RS", "RUS"), ("SU", "SDN"), ("OD", "SSD"), ("CG", "COD"), ("CF", "COG"),
    ("CT", "CAF"), ("BM", "MMR"), ("UV", "BFA"), ("NG", "NER"), ("NI", "NGA"), ("GM", "DEU"),
    ("UK", "GBR"), ("US", "USA"), ("SF", "ZAF"), ("IZ", "IRQ"), ("KV", "XKX"), ("WE", "PSE"),
])
def test_fips_crosswalk(fips, iso3):
    assert to_iso3("fips", fips) == iso3


def test_fips_non_country_codes_are_known_but_empty():
    assert to_iso3("fips", "OS") is None
    with pytest.raises(KeyError):
        to_iso3("fips", "QQ")


@pytest.mark.parametrize("gw,iso3", [
    (775, "MMR"), (625, "SDN"), (626, "SSD"), (615, "DZA"), (490, "COD"), (484, "COG"),
    (482, "CAF"), (530, "ETH"), (520, "SOM"), (475, "NGA"), (2, "USA"), (365, "RUS"),
    (260, "DEU"), (678, "YEM"), (816, "VNM"),
])
def test_gleditsch_ward_crosswalk(gw, iso3):
    assert to_iso3("gwno", gw) == iso3


@pytest.mark.parametrize("name,iso3", [
    ("Myanmar (Burma)", "MMR"), ("Ivory Coast", "CIV"), ("Republic of Congo", "COG"),
    ("Democratic Republic of Congo", "COD"), ("Swaziland", "SWZ"), ("eSwatini", "SWZ"),
    ("DR Congo (Zaire)", "COD"), ("Sudan", "SDN"), ("South Sudan", "SSD"), ("Tanzania", "TZA"),
    ("  sudan ", "SDN"), ("Côte d'Ivoire", "CIV"),
])
def test_names(name, iso3):
    assert to_iso3("name", name) == iso3


def test_every_fips_code_in_the_gdelt_samples_maps(events_dir):
    # ActionGeo, Actor1Geo, Actor2Geo country codes of the raw 2.0 batch and the 1.0 sample.
    seen = set()
    with gzip.open(events_dir / "gdelt_v2/20191024143000.export.CSV.gz", "rt") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            seen.update(parts[i] for i in (37, 45, 53) if parts[i])
    with open(events_dir / "gdelt_v1/sample_daily_20160728_plus_backfile_rows.export.CSV") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            seen.update(parts[i] for i in (37, 44, 51) if parts[i])
    missing = sorted(c for c in seen if c not in tables()["fips"])
    assert not missing


def test_every_country_in_the_acled_samples_maps(acled_dir):
    names = set()
    for path in acled_dir.glob("*.csv*"):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="cp1252" if "legacy" in path.name else "utf-8",
                    newline="") as f:
            rows = csv.DictReader(f)
            for row in rows:
                names.add((row.get("country") or row.get("COUNTRY")).strip())
    assert len(names) >= 38
    assert all(to_iso3("name", n) for n in names)


def test_register_builds_sql_table():
    import duckdb

    con = duckdb.connect()
    countries.register(con)
    got = con.execute("SELECT iso3 FROM country_codes WHERE scheme = 'name' "
                      "AND code = country_name_key('  Côte  d''Ivoire ')").fetchone()
    assert got == ("CIV",)
