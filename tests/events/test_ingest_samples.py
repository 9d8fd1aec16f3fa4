"""Every real sample ingests, and the counts add up: stored = read - duplicates - rejected."""

from __future__ import annotations

import json

import pytest

from tests.events.conftest import SAMPLES, sample
from tocsin.events import store


@pytest.mark.parametrize("rel,source,rows", SAMPLES, ids=[s[0].split("/")[-1] for s in SAMPLES])
def test_sample_ingests(rel, source, rows, tocsin):
    path = sample(rel)
    code, out, err = tocsin("events", "ingest", path, "--format", "json")
    assert code == 0, err
    [b] = json.loads(out)["batches"]
    assert b["source"] == source
    assert b["rows_read"] == rows
    assert b["rows_stored"] == b["rows_read"] - b["rows_duplicate"] - b["rows_rejected"]
    assert (b["rows_duplicate"], b["rows_rejected"], b["rows_unchanged"]) == (0, 0, 0)
    con = store.connect_reader(tocsin.home)
    counts = con.execute("SELECT count(*), count(DISTINCT uid) FROM events").fetchone()
    assert counts == (rows, rows)
    # Every stored row is fully placed: a date, a class, and a country unless the source has none.
    assert con.execute("SELECT count(*) FROM events WHERE event_date IS NULL "
                       "OR event_class IS NULL").fetchone()[0] == 0
    if source in ("acled", "ucdp-ged"):
        assert con.execute("SELECT count(*) FROM events WHERE country IS NULL").fetchone()[0] == 0
    # Re-ingesting the same file stores nothing new.
    code, out, err = tocsin("events", "ingest", path, "--format", "json")
    assert code == 0
    assert json.loads(out)["batches"][0]["status"] == "already-ingested"
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == rows
    assert len(store.manifest(tocsin.home)) == 1


def test_all_samples_in_one_command(events_dir, tocsin):
    paths = [events_dir / rel for rel, _, _ in SAMPLES if (events_dir / rel).exists()]
    code, out, err = tocsin("events", "ingest", *paths, "--format", "json")
    assert code == 0, err
    batches = json.loads(out)["batches"]
    assert sum(b["rows_stored"] for b in batches) == sum(
        rows for rel, _, rows in SAMPLES if (events_dir / rel).exists())
    manifest = store.manifest(tocsin.home)
    assert {m["sha256"] for m in manifest} == {b["sha256"] for b in batches}
    assert all(m["rows_read"] == m["rows_stored"] for m in manifest)


def test_ucdp_values(tocsin):
    path = sample("ucdp_ged/ged_myanmar_1989-2023.csv.gz")
    assert tocsin("events", "ingest", path)[0] == 0
    con = store.connect_reader(tocsin.home)
    # Totals from the folder README.
    assert con.execute("SELECT sum(fatalities_best), sum(civilian_fatalities) "
                       "FROM events").fetchone() == (28721, 10681)
    by_type = dict(con.execute("SELECT source_type, count(*) FROM events GROUP BY 1").fetchall())
    assert by_type == {"type_of_violence 1": 4966, "type_of_violence 2": 78,
                       "type_of_violence 3": 2330}
    assert con.execute("SELECT DISTINCT country FROM events").fetchall() == [("MMR",)]
    # Multi-day and aggregation events keep their span instead of landing on day one.
    assert con.execute("SELECT count(*) FROM events WHERE date_end > event_date"
                       ).fetchone()[0] == 1088
    assert con.execute("SELECT count(*) FROM events WHERE admin1 LIKE '%  %'").fetchone()[0] == 0


def test_acled_layouts_dates_and_coup(tocsin, acled_dir):
    paths = sorted(acled_dir.glob("*.csv*"))
    code, out, err = tocsin("events", "ingest", *paths)
    assert code == 0, err
    assert "legacy layout" in out and "classic layout" in out and "current layout" in out
    assert "read as cp1252" in out
    con = store.connect_reader(tocsin.home)
    # 31-Dec-21 (spreadsheet re-save) and DD/MM/YYYY (legacy) both parsed.
    assert con.execute("SELECT event_date FROM events WHERE uid = 'acled:SUD16632'"
                       ).fetchone()[0].isoformat() == "2021-12-31"
    # Late-coded events: dated before the span the file name gives.
    assert con.execute("SELECT min(event_date) FROM events WHERE source_id LIKE '%RTA'"
                       ).fetchone()[0].isoformat() == "2015-03-15"
    coups = con.execute("SELECT uid, event_date FROM events WHERE event_class = 'coup'").fetchall()
    assert [(u, d.isoformat()) for u, d in coups] == [("acled:SUD15767", "2021-10-25")]
    # The Myanmar file's literal NA is missing, not an actor called NA.
    assert con.execute("SELECT count(*) FROM events WHERE actor2 = 'NA'").fetchone()[0] == 0
    # Countries from ISO numbers (classic/current) and names (legacy) alike.
    assert con.execute("SELECT count(DISTINCT country) FROM events").fetchone()[0] == 38


def test_gdelt_codes_and_geo(tocsin):
    v1 = sample("gdelt_v1/sample_daily_20160728_plus_backfile_rows.export.CSV")
    v2 = sample("gdelt_v2/20191024143000.export.CSV.gz")
    assert tocsin("events", "ingest", v1, v2)[0] == 0
    con = store.connect_reader(tocsin.home)
    # Codes stay text: 040 is not 40.
    assert con.execute("SELECT count(*) FROM events WHERE source_type LIKE '0%'").fetchone()[0] > 0
    # 37 rows of the 2.0 batch have no ActionGeo: no country, no coordinates, still stored.
    assert con.execute("SELECT count(*) FROM events WHERE source = 'gdelt2' AND country IS NULL "
                       "AND latitude IS NULL").fetchone()[0] == 37
    # Backfile rows (57 fields) have no SOURCEURL.
    assert con.execute("SELECT count(*) FROM events WHERE source = 'gdelt1' AND notes IS NULL"
                       ).fetchone()[0] == 201
    # No 0/0 coordinates.
    assert con.execute("SELECT count(*) FROM events WHERE latitude = 0 AND longitude = 0"
                       ).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM events WHERE source = 'gdelt2' "
                       "AND country = 'USA'").fetchone()[0] == 705


def test_bundled_samples_ingest_without_shared(tocsin):
    from tocsin.events import samples

    paths = samples.paths()
    assert all(p.exists() for p in paths)
    code, out, err = tocsin("events", "ingest", *paths, "--format", "json")
    assert code == 0, err
    assert [b["rows_stored"] for b in json.loads(out)["batches"]] == [855, 2111, 710]


def test_gdelt_admin1_is_the_unit_name_not_its_fips_code(tocsin):
    """GDELT gives a unit as a FIPS code (ADM1Code "KE05") and names it inside the geo's
    full name ("City, ADM1, Country"): admin1 holds the name; a country-level geo
    (Geo_Type 1, ADM1Code "SU") and GDELT's "<Country> (general)" have none."""
    v1 = sample("gdelt_v1/sample_daily_20160728_plus_backfile_rows.export.CSV")
    v2 = sample("gdelt_v2/20191024143000.export.CSV.gz")
    headered = sample("gdelt_v2/variant_headered_comma_2017_with_description_column.csv.gz")
    assert tocsin("events", "ingest", v1, v2, headered)[0] == 0
    con = store.connect_reader(tocsin.home)

    def units(where):
        return {u for (u,) in con.execute(
            f"SELECT DISTINCT admin1 FROM events WHERE {where} AND admin1 IS NOT NULL"
        ).fetchall()}

    assert units("source = 'gdelt2' AND country = 'KEN'") == {
        "Central", "Coast", "Eastern", "Nairobi Area", "Nyanza", "Rift Valley", "Western"}
    assert units("source = 'gdelt2' AND country = 'MMR'") == {"Yangon"}
    # no unit is a code: "KE01", "BM17", "SU", "USTX" ...
    assert con.execute("SELECT count(*) FROM events WHERE source LIKE 'gdelt%' AND "
                       "regexp_matches(admin1, '^[A-Z]{2}([0-9A-Z]{2})?$')").fetchone()[0] == 0
    # a country-level geo (the full name is the country's) has no unit
    assert con.execute("SELECT count(*) FROM events WHERE source LIKE 'gdelt%' AND "
                       "admin1 IS NOT NULL AND place NOT LIKE '%, %'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM events WHERE source LIKE 'gdelt%' AND "
                       "country = 'SDN' AND admin1 IS NOT NULL").fetchone()[0] == 0
    # "Paris, France (general), France": somewhere in France, no unit
    assert con.execute("SELECT count(*) FROM events WHERE admin1 LIKE '%(general)%'"
                       ).fetchone()[0] == 0
    # a state with a landmark first, a unit whose name holds a comma, a US state
    assert con.execute("SELECT DISTINCT admin1 FROM events WHERE place = "
                       "'Bayelsa State, Bayelsa, Nigeria'").fetchall() == [("Bayelsa",)]
    assert ("London, City of",) in con.execute(
        "SELECT DISTINCT admin1 FROM events WHERE country = 'GBR'").fetchall()
    assert con.execute("SELECT DISTINCT admin1 FROM events WHERE place = "
                       "'Texas, United States'").fetchall() == [("Texas",)]
    # the headered variant (GDELT 2.0 re-written with a header) reads the same
    assert units("source = 'gdelt2' AND country = 'GBR'") >= {"Essex", "Kent"}
