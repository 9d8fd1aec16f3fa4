"""Newer versions replace older ones; the mapped-CSV reader and its mapping errors."""

from __future__ import annotations

import csv
import gzip
import json

from tocsin.events import samples, store

UCDP, GDELT2, GDELT1 = samples.paths()


def _rows(home):
    con = store.connect_reader(home)
    return con


def _ingest_json(tocsin, *args):
    code, out, err = tocsin("events", "ingest", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)["batches"]


def test_newer_gdelt_version_replaces_and_older_is_ignored(tmp_path, tocsin):
    lines = gzip.decompress(GDELT2.read_bytes()).decode("utf-8").splitlines()
    _ingest_json(tocsin, GDELT2)
    first = lines[0].split("\t")
    uid = f"gdelt2:{first[0]}"

    newer = list(first)
    newer[59] = str(int(first[59]) + 1500)  # DATEADDED: coded again 15 minutes later
    newer[60] = "https://example.org/updated-article"
    path = tmp_path / "newer.export.CSV"
    path.write_text("\t".join(newer) + "\n" + "\n".join(lines[1:10]) + "\n", encoding="utf-8")
    [b] = _ingest_json(tocsin, path)
    assert (b["rows_read"], b["rows_stored"], b["rows_replaced"], b["rows_unchanged"]) == \
        (10, 1, 1, 9)
    con = _rows(tocsin.home)
    assert con.execute("SELECT count(*), max(notes) FROM events WHERE uid = ?",
                       [uid]).fetchone() == (1, "https://example.org/updated-article")

    older = list(first)
    older[59] = str(int(first[59]) - 1500)
    older[60] = "https://example.org/stale"
    path = tmp_path / "older.export.CSV"
    path.write_text("\t".join(older) + "\n", encoding="utf-8")
    [b] = _ingest_json(tocsin, path)
    assert (b["rows_stored"], b["rows_unchanged"]) == (0, 1)
    assert "older versions" in b["notes"][0]
    con = _rows(tocsin.home)
    assert con.execute("SELECT notes FROM events WHERE uid = ?", [uid]).fetchone()[0] == \
        "https://example.org/updated-article"
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 2111


def test_unversioned_source_later_delivery_wins_when_content_differs(tmp_path, tocsin):
    _ingest_json(tocsin, UCDP)
    with gzip.open(UCDP, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, data = rows[0], rows[1:]
    col = {n: i for i, n in enumerate(header)}
    data[0][col["best"]] = str(int(data[0][col["best"]]) + 5)  # a revised death toll
    path = tmp_path / "ged_revised.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows([header, *data])
    [b] = _ingest_json(tocsin, path)
    assert (b["rows_read"], b["rows_stored"], b["rows_replaced"], b["rows_unchanged"]) == \
        (855, 1, 1, 854)
    assert b["rows_stored"] == b["rows_read"] - b["rows_unchanged"] - b["rows_duplicate"] \
        - b["rows_rejected"]
    con = _rows(tocsin.home)
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 855
    assert len(store.manifest(tocsin.home)) == 2


MONITOR = """\
incident_no;date;country;category;lat;lon;killed;summary
M-001;03.02.2021;Myanmar;arrest;16.8;96.15;0;Arrests after the coup
M-002;14.03.2021;Myanmar;shooting of protesters;16.85;96.1;38;Security forces fired on protesters
M-003;27.03.2021;Burma;massacre;21.97;96.08;12;Killings in Mandalay
"""

MAPPING = """\
source: monitor
delimiter: ";"
date_formats: ["%d.%m.%Y"]
country_scheme: name
columns:
  source_id: incident_no
  event_date: date
  country: country
  event_type: category
  latitude: lat
  longitude: lon
  fatalities_best: killed
  notes: summary
classes:
  arrest: arrests
  shooting of protesters: repression
  massacre: mass-killing
"""


def test_mapped_csv(tmp_path, tocsin):
    data = tmp_path / "monitor.csv"
    data.write_text(MONITOR, encoding="utf-8")
    mapping = tmp_path / "monitor.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    [b] = _ingest_json(tocsin, data, "--source", "mapped", "--mapping", mapping)
    assert (b["source"], b["rows_read"], b["rows_stored"]) == ("monitor", 3, 3)
    con = _rows(tocsin.home)
    got = con.execute("SELECT uid, CAST(event_date AS VARCHAR), country, event_class, "
                      "fatalities_best FROM events ORDER BY uid").fetchall()
    assert got == [("monitor:M-001", "2021-02-03", "MMR", "arrests", 0),
                   ("monitor:M-002", "2021-03-14", "MMR", "repression", 38),
                   ("monitor:M-003", "2021-03-27", "MMR", "mass-killing", 12)]


def test_mapped_csv_row_problem_names_line(tmp_path, tocsin):
    data = tmp_path / "monitor.csv"
    data.write_text(MONITOR.replace("14.03.2021", "31.02.2021"), encoding="utf-8")
    mapping = tmp_path / "monitor.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    code, _, err = tocsin("events", "ingest", data, "--source", "mapped", "--mapping", mapping)
    assert code == 2 and f"{data}:3: date '31.02.2021' is not a date" in err, err


def test_mapping_errors_name_the_mapping_line(tmp_path, tocsin):
    data = tmp_path / "monitor.csv"
    data.write_text(MONITOR, encoding="utf-8")
    bad = MAPPING.replace("  fatalities_best: killed", "  fatalities: killed") \
                 .replace("massacre: mass-killing", "massacre: genocide") \
                 .replace("  notes: summary", "  notes: description")
    mapping = tmp_path / "monitor.yaml"
    mapping.write_text(bad, encoding="utf-8")
    code, _, err = tocsin("events", "ingest", data, "--source", "mapped", "--mapping", mapping)
    assert code == 2
    assert f"{mapping}:12: unknown field 'fatalities'" in err, err
    assert f"{mapping}:17: unknown event class 'genocide'" in err, err
    # The column check needs the file's header, so it comes once the mapping is well-formed.
    mapping.write_text(MAPPING.replace("  notes: summary", "  notes: description"))
    code, _, err = tocsin("events", "ingest", data, "--source", "mapped", "--mapping", mapping)
    assert code == 2 and f"{mapping}:13: column 'description' is not in the file's header" in err


def test_mapped_needs_mapping(tmp_path, tocsin):
    data = tmp_path / "monitor.csv"
    data.write_text(MONITOR, encoding="utf-8")
    code, _, err = tocsin("events", "ingest", data, "--source", "mapped")
    assert code == 2 and "--mapping" in err


def test_stats_and_export(tmp_path, tocsin):
    _ingest_json(tocsin, UCDP, GDELT2)
    code, out, _ = tocsin("events", "stats", "--format", "json")
    data = json.loads(out)
    assert set(data) == {"country", "events", "fatalities_best", "first_date", "last_date",
                         "batches", "by_source", "by_country", "by_class", "by_year"}
    assert data["events"] == 855 + 2111 and data["batches"] == 2
    code, out, _ = tocsin("events", "stats", "--country", "mmr", "--format", "json")
    mmr = json.loads(out)
    assert mmr["country"] == "MMR"
    assert {r["key"] for r in mmr["by_source"]} == {"ucdp-ged", "gdelt2"}
    code, out, _ = tocsin("events", "stats")
    assert code == 0 and "2,966 events" in out
    pq = tmp_path / "out" / "events.parquet"
    code, out, _ = tocsin("events", "export", "--format", "parquet", "-o", pq)
    assert code == 0 and "wrote 2,966 events" in out
    import pyarrow.parquet as papq

    from tocsin.events.schema import NAMES, arrow_schema
    table = papq.read_table(pq)
    assert table.column_names == NAMES and table.num_rows == 2966
    assert [f.type for f in table.schema] == [f.type for f in arrow_schema()]
    out_csv = tmp_path / "mmr.csv"
    code, out, _ = tocsin("events", "export", "--format", "csv", "-o", out_csv,
                          "--country", "MMR")
    with open(out_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == mmr["events"] and {r["country"] for r in rows} == {"MMR"}
    code, out, _ = tocsin("events", "batches")
    assert code == 0 and "ucdp-ged" in out


def test_empty_store_reads(tocsin):
    code, out, _ = tocsin("events", "stats")
    assert code == 0 and "no events stored" in out
