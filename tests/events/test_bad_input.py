"""Bad input, built from the real samples: file-level problems always exit 2; row-level
problems exit 2 naming file and line (store unchanged), or are quarantined on request."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import shutil
import zipfile

import pytest

from tests.events.conftest import sample
from tocsin.events import quarantine, store
from tocsin.events.ingest import ingest

ACLED_2021 = "acled/acled_sudan_2021-10-25_to_2021-12-31.csv"
ACLED_2023 = "acled/acled_sudan_2023-04-11_to_2023-04-12.csv"
UCDP = "ucdp_ged/ged_myanmar_1989-2023.csv.gz"
GDELT2 = "gdelt_v2/20191024143000.export.CSV.gz"
GDELT1 = "gdelt_v1/sample_daily_20160728_plus_backfile_rows.export.CSV"


def read_csv_rows(rel):
    path = sample(rel)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_csv(path, header, rows) -> list[int]:
    """Write rows; return the line each data row starts on (counted independently)."""
    starts, line = [], 2
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow(row)
            starts.append(line)
            line += buf.getvalue().count("\n")
            f.write(buf.getvalue())
    return starts


def gdelt_lines(rel):
    path = sample(rel)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return f.read().splitlines()


def assert_unchanged(tocsin, before):
    assert store.manifest(tocsin.home) == before["manifest"]
    con = store.connect_reader(tocsin.home)
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == before["events"]


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory):
    home = tmp_path_factory.mktemp("seeded") / "home"
    ingest(home, [sample(ACLED_2023)], echo=lambda s: None)
    return home


@pytest.fixture
def seeded(tocsin, seeded_template):
    """A store holding one good file, to show that failures leave it as it was.

    Copied from one ingested per module: cheaper than an ingest per test.
    """
    shutil.copytree(seeded_template, tocsin.home)
    con = store.connect_reader(tocsin.home)
    return {"manifest": store.manifest(tocsin.home),
            "events": con.execute("SELECT count(*) FROM events").fetchone()[0]}


# --- file-level problems: always exit 2 ---------------------------------------------------

def _file_cases(tmp_path):
    header_line = sample(ACLED_2023).read_text(encoding="utf-8").splitlines()[0]
    ucdp_gz = sample(UCDP).read_bytes()
    gdelt = sample(GDELT2)
    zipped = tmp_path / "batch.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("20191024143000.export.CSV", gzip.decompress(gdelt.read_bytes()))
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("a.CSV", "x")
        zf.writestr("b.CSV", "y")
    acled_text = sample(ACLED_2023).read_text(encoding="utf-8")
    rnd = bytes((i * 7919 + 13) % 256 for i in range(5000))
    cases = {
        "empty": (b"", "is empty"),
        "header-only": ((header_line + "\n").encode(), "header but no data rows"),
        "blank-lines": (b"\n\n  \n", "has no data"),
        "truncated-gzip": (ucdp_gz[: len(ucdp_gz) // 2], "truncated gzip"),
        "truncated-zip": (zipped.read_bytes()[:30000], "damaged or truncated zip"),
        "two-member-zip": (two.read_bytes(), "exactly one file"),
        "utf16": (acled_text.encode("utf-16"), "UTF-16"),
        "binary-garbage": (rnd, "binary"),
        "not-utf8-nor-cp1252": (b"event_id_cnty,event_date\n" + b"\x81\x8d\x90" * 50,
                                "neither UTF-8 nor Windows-1252"),
        "unknown-csv": (b"name,colour\nrose,red\n", "not a recognised event file"),
        "tab-wrong-width": ("\n".join("\t".join(line.split("\t")[:40])
                                      for line in gdelt_lines(GDELT2)[:5]).encode(),
                            "not GDELT 1.0"),
    }
    return cases


FILE_CASES = ["empty", "header-only", "blank-lines", "truncated-gzip", "truncated-zip",
              "two-member-zip", "utf16", "binary-garbage", "not-utf8-nor-cp1252",
              "unknown-csv", "tab-wrong-width"]


@pytest.mark.parametrize("case,on_error", [(c, "fail") for c in FILE_CASES] + [
    (c, "quarantine") for c in ("header-only", "truncated-gzip", "binary-garbage")])
def test_file_level_problem(case, on_error, tmp_path, tocsin, seeded):
    data, expected = _file_cases(tmp_path)[case]
    suffix = {"truncated-gzip": ".csv.gz", "truncated-zip": ".zip", "two-member-zip": ".zip"}
    path = tmp_path / f"{case}{suffix.get(case, '.csv')}"
    path.write_bytes(data)
    code, out, err = tocsin("events", "ingest", path, "--on-error", on_error)
    assert code == 2
    assert str(path) in err and expected in err, err
    assert_unchanged(tocsin, seeded)


def test_missing_file_and_directory(tmp_path, tocsin, seeded):
    code, _, err = tocsin("events", "ingest", tmp_path / "nope.csv")
    assert code == 2 and "file not found" in err
    code, _, err = tocsin("events", "ingest", tmp_path)
    assert code == 2 and "is a directory" in err
    assert_unchanged(tocsin, seeded)


@pytest.mark.parametrize("given,rel,expected", [
    ("gdelt2", ACLED_2023, "looks like ACLED export"),
    ("acled", UCDP, "looks like UCDP GED"),
    ("ucdp-ged", GDELT2, "looks like GDELT 2.0"),
    ("gdelt1", GDELT2, "looks like GDELT 2.0"),
])
def test_explicit_source_that_does_not_match(given, rel, expected, tocsin, seeded):
    code, _, err = tocsin("events", "ingest", sample(rel), "--source", given)
    assert code == 2 and expected in err, err
    assert_unchanged(tocsin, seeded)


def test_headered_gdelt_variant_is_detected_not_mistaken(tocsin):
    path = sample("gdelt_v2/variant_headered_comma_2017_with_description_column.csv.gz")
    code, out, err = tocsin("events", "ingest", path)
    assert code == 0, err
    assert "re-written with a header and commas (not the raw export" in out
    con = store.connect_reader(tocsin.home)
    # Read through the header: the extra description column did not shift the codes.
    assert con.execute("SELECT count(*) FROM events WHERE NOT regexp_full_match(source_type, "
                       "'[0-9]{2,4}')").fetchone()[0] == 0


# --- row-level problems ------------------------------------------------------------------

def _acled_case(tmp_path, edit):
    header, rows = read_csv_rows(ACLED_2021)
    rows = [list(r) for r in rows]
    i = 7  # an arbitrary row in the middle of the file
    col = {n: j for j, n in enumerate(header)}
    edit(rows, i, col)
    path = tmp_path / "acled_edited.csv"
    starts = write_csv(path, header, rows)
    return path, starts


def _set(name, value, i=7):
    def edit(rows, _i, col):
        rows[i][col[name]] = value
    return edit


def _dup(rows, i, col):
    rows[i + 5][col["event_id_cnty"]] = rows[i][col["event_id_cnty"]]


def _extra_field(rows, i, col):
    rows[i].append("surplus")


ACLED_ROW_CASES = {
    "bad-date": (_set("event_date", "31-Feb-21"), "event_date '31-Feb-21' is not a date", 7),
    "text-date": (_set("event_date", "yesterday"), "event_date 'yesterday' is not a date", 7),
    "latitude-out-of-range": (_set("latitude", "123.4"), "latitude '123.4' is not a number", 7),
    "longitude-not-number": (_set("longitude", "east"), "longitude 'east' is not a number", 7),
    "unknown-country": (lambda rows, i, col: (rows[i].__setitem__(col["iso"], ""),
                                             rows[i].__setitem__(col["iso3"], ""),
                                             rows[i].__setitem__(col["country"], "Atlantis")),
                        "unknown country 'Atlantis'", 7),
    "fatalities-not-number": (_set("fatalities", "many"), "fatalities 'many' is not a whole", 7),
    "negative-fatalities": (_set("fatalities", "-3"), "fatalities '-3' is not a whole", 7),
    "duplicate-id": (_dup, "duplicate id 'SUD", 12),
    "missing-id": (_set("event_id_cnty", ""), "missing event_id_cnty", 7),
    "extra-field": (_extra_field, "has 32 fields, the header has 31", 7),
}


@pytest.mark.parametrize("case", list(ACLED_ROW_CASES))
def test_acled_row_problem_fails_naming_the_line(case, tmp_path, tocsin, seeded, acled_dir):
    edit, expected, row = ACLED_ROW_CASES[case]
    path, starts = _acled_case(tmp_path, edit)
    code, out, err = tocsin("events", "ingest", path)
    assert code == 2
    assert f"{path}:{starts[row]}: {expected}" in err, err
    assert "nothing was stored" in err
    assert_unchanged(tocsin, seeded)


@pytest.mark.parametrize("case", ["bad-date", "unknown-country", "duplicate-id"])
def test_acled_row_problem_quarantined(case, tmp_path, tocsin, seeded, acled_dir):
    edit, expected, row = ACLED_ROW_CASES[case]
    path, starts = _acled_case(tmp_path, edit)
    code, out, err = tocsin("events", "ingest", path, "--on-error", "quarantine",
                            "--format", "json")
    assert code == 0, err
    [b] = json.loads(out)["batches"]
    assert b["rows_read"] == 462
    dup = 1 if case == "duplicate-id" else 0
    assert (b["rows_rejected"], b["rows_duplicate"]) == (1 - dup, dup)
    assert b["rows_stored"] == b["rows_read"] - b["rows_duplicate"] - b["rows_rejected"] == 461
    with open(b["quarantine_file"], newline="", encoding="utf-8") as f:
        [q] = list(csv.DictReader(f))
    assert int(q["line"]) == starts[row] and expected in q["reason"]
    con = store.connect_reader(tocsin.home)
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == seeded["events"] + 461


def _ucdp_case(tmp_path, name, value):
    header, rows = read_csv_rows(UCDP)
    col = {n: j for j, n in enumerate(header)}
    # Row 2000 sits after many quoted multi-line fields: its line is not its index.
    rows[2000][col[name]] = value
    path = tmp_path / "ucdp_edited.csv"
    starts = write_csv(path, header, rows)
    assert starts[2000] > 2002
    return path, starts[2000]


@pytest.mark.parametrize("name,value,expected", [
    ("date_start", "2021-13-45", "date_start '2021-13-45' is not a date"),
    ("longitude", "200.5", "longitude '200.5' is not a number between -180 and 180"),
    ("best", "n/a", "best 'n/a' is not a whole number"),
    ("type_of_violence", "4", "type_of_violence '4' is not 1, 2 or 3"),
    ("country_id", "9999", "unknown country"),
])
def test_ucdp_row_problem(name, value, expected, tmp_path, tocsin, seeded):
    path, line = _ucdp_case(tmp_path, name, value)
    if name == "country_id":  # the name would still resolve; break both
        header, rows = read_csv_rows(UCDP)
        col = {n: j for j, n in enumerate(header)}
        rows[2000][col["country_id"]] = "9999"
        rows[2000][col["country"]] = "Ruritania"
        line = write_csv(path, header, rows)[2000]
    code, out, err = tocsin("events", "ingest", path)
    assert code == 2
    assert f"{path}:{line}: {expected}" in err, err
    assert_unchanged(tocsin, seeded)


def _gdelt2_case(tmp_path, edit):
    lines = gdelt_lines(GDELT2)
    edit(lines)
    path = tmp_path / "edited.export.CSV"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _field(i, value, row=99):
    def edit(lines):
        parts = lines[row].split("\t")
        parts[i] = value
        lines[row] = "\t".join(parts)
    return edit


GDELT_CASES = {
    "bad-sqldate": (_field(1, "20191345"), "SQLDATE '20191345' is not a date", 100),
    "unknown-fips": (_field(53, "QQ"), "unknown country: ActionGeo_CountryCode 'QQ'", 100),
    "bad-event-code": (_field(26, "4x"), "EventCode '4x' is not a CAMEO code", 100),
    "duplicate-id": (lambda lines: lines.__setitem__(
        150, lines[99].split("\t")[0] + "\t" + lines[150].split("\t", 1)[1]),
        "duplicate id", 151),
    "too-many-fields": (lambda lines: lines.__setitem__(99, lines[99] + "\textra"),
                        "more than 61 tab-separated fields", 100),
    "far-too-many-fields": (lambda lines: lines.__setitem__(99, lines[99] + "\tx\ty\tz"),
                            "cannot be split into fields", 100),
    "too-few-fields": (lambda lines: lines.__setitem__(99, "\t".join(lines[99].split("\t")[:50])),
                       "fewer than 61 tab-separated fields", 100),
}


@pytest.mark.parametrize("case", list(GDELT_CASES))
def test_gdelt_row_problem(case, tmp_path, tocsin, seeded):
    edit, expected, line = GDELT_CASES[case]
    path = _gdelt2_case(tmp_path, edit)
    code, out, err = tocsin("events", "ingest", path)
    assert code == 2
    assert f"{path}:{line}: " in err and expected in err, err
    assert_unchanged(tocsin, seeded)


def test_gdelt_quarantine_after_unsplittable_line_keeps_true_lines(tmp_path, tocsin):
    def edit(lines):
        lines[9] += "\tx\ty\tz"  # line 10: DuckDB cannot split it
        _field(1, "2019xx24", row=499)(lines)  # line 500
    path = _gdelt2_case(tmp_path, edit)
    code, out, err = tocsin("events", "ingest", path, "--on-error", "quarantine",
                            "--format", "json")
    assert code == 0, err
    [b] = json.loads(out)["batches"]
    assert (b["rows_read"], b["rows_rejected"], b["rows_stored"]) == (2111, 2, 2109)
    with open(b["quarantine_file"], newline="") as f:
        lines = [int(r["line"]) for r in csv.DictReader(f)]
    assert lines == [10, 500]


def test_gdelt1_bad_latitude(tmp_path, tocsin):
    lines = gdelt_lines(GDELT1)
    parts = lines[3].split("\t")
    parts[49], parts[53] = "4", "95.5"  # a located ActionGeo with an impossible latitude
    lines[3] = "\t".join(parts)
    path = tmp_path / "g1.export.CSV"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = tocsin("events", "ingest", path)
    assert code == 2 and f"{path}:4: ActionGeo_Lat '95.5'" in err, err


def test_one_bad_file_stores_nothing_from_the_others(tmp_path, tocsin, seeded):
    good = sample(GDELT1)
    bad = _gdelt2_case(tmp_path, _field(1, "nonsense"))
    code, _, err = tocsin("events", "ingest", good, bad)
    assert code == 2 and "SQLDATE 'nonsense'" in err
    assert_unchanged(tocsin, seeded)


def test_many_problems_are_capped_and_counted(tmp_path, tocsin):
    lines = gdelt_lines(GDELT2)
    for i in range(100, 160):
        parts = lines[i].split("\t")
        parts[1] = "bad"
        lines[i] = "\t".join(parts)
    path = tmp_path / "many.export.CSV"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = tocsin("events", "ingest", path)
    assert code == 2
    assert err.count("SQLDATE 'bad'") == quarantine.MAX_REPORTED
    assert "60 of 2111 rows have problems" in err


def test_stats_rejects_bad_country_code(tocsin):
    code, _, err = tocsin("events", "stats", "--country", "Sudan")
    assert code == 2 and "not an ISO 3166-1 alpha-3 code" in err


def test_quarantine_files_are_removed_when_the_command_fails(tmp_path, tocsin):
    bad_rows = _gdelt2_case(tmp_path, _field(1, "nonsense"))
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, _, _ = tocsin("events", "ingest", bad_rows, empty, "--on-error", "quarantine")
    assert code == 2
    qdir = store.events_dir(tocsin.home) / "quarantine"
    assert not qdir.exists() or os.listdir(qdir) == []
