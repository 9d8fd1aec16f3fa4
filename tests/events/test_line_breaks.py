"""Line breaks inside quoted CSV fields (issue 14): CRLF, lone CR and LF in UCDP source
articles and headlines, ACLED notes and mapped-CSV text all ingest, with the same events
as the file without them; text keeps its breaks, normalised to LF. Errors name the user's
file and its line, never a line of the scratch files the readers write."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile

import pytest

from tests.events.conftest import sample
from tocsin.events import schema, store
from tocsin.events.samples import paths as sample_paths

UCDP_2021 = sample_paths()[0]
ACLED_2021 = "acled/acled_sudan_2021-10-25_to_2021-12-31.csv"
# Every canonical column but batch_id; notes last.
COMPARED = [n for n in schema.NAMES if n not in ("batch_id", "notes")] + ["notes"]


def normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_rows(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_rows(path, header, rows, terminator="\r\n") -> list[int]:
    """Write a CSV; return the line each data row starts on, counting CRLF, CR and LF as
    one line break each (what an editor shows)."""
    starts, line = [], 2
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator=terminator)
        w.writerow(header)
        for row in rows:
            buf = io.StringIO()
            csv.writer(buf, lineterminator=terminator).writerow(row)
            starts.append(line)
            line += len(re.findall(r"\r\n|\r|\n", buf.getvalue()))
            f.write(buf.getvalue())
    return starts


def break_ucdp_fields(header, rows):
    """CRLF between the articles of source_article, a lone CR in source_headline, a lone
    LF in source_original, and every existing break (where_description) made CRLF.
    The first data row has all of them: a chunk that starts with a CR is what failed."""
    col = {n: j for j, n in enumerate(header)}
    for k, row in enumerate(rows):
        row[col["source_article"]] = row[col["source_article"]].replace('";"', '";\r\n"')
        if k % 3 == 0:
            row[col["source_headline"]] = row[col["source_headline"]].replace(";", ";\r", 1)
        if k % 3 == 1:
            row[col["source_original"]] = row[col["source_original"]].replace(";", ";\n", 1)
        row[col["where_description"]] = normalised(row[col["where_description"]]).replace(
            "\n", "\r\n")
    assert "\r\n" in rows[0][col["source_article"]] and "\r" in rows[0][col["source_headline"]]
    return rows


def events(home) -> dict[str, tuple]:
    con = store.connect_reader(home)
    got = con.execute(f"SELECT {', '.join(COMPARED)} FROM events").fetchall()
    return {r[0]: r for r in got}


def ingest_json(tocsin, *args, home=None):
    code, out, err = tocsin("events", "ingest", *args, "--format", "json", home_dir=home)
    assert code == 0, err
    return json.loads(out)["batches"]


@pytest.fixture(scope="module")
def ucdp_original(tmp_path_factory):
    """The events of the bundled sample as shipped (LF line ends)."""
    from tocsin.events.ingest import ingest

    home = tmp_path_factory.mktemp("original") / "home"
    ingest(home, [UCDP_2021], echo=lambda s: None)
    return events(home)


def _expected_notes(original: dict[str, tuple], header, rows) -> dict[str, tuple]:
    """The original events, with each headline (notes) carrying the break put into it,
    normalised to LF."""
    col = {n: j for j, n in enumerate(header)}
    notes = COMPARED.index("notes")
    out = {}
    for row in rows:
        uid = "ucdp-ged:" + row[col["id"]]
        event = list(original[uid])
        event[notes] = normalised(row[col["source_headline"]]).strip() or None
        out[uid] = tuple(event)
    return out


@pytest.mark.parametrize("packing", ["plain", "gzip", "zip"])
def test_ucdp_with_crlf_cr_lf_in_quoted_fields(packing, tmp_path, tocsin, ucdp_original):
    header, rows = read_rows(UCDP_2021)
    rows = break_ucdp_fields(header, rows)
    path = tmp_path / "ged_crlf.csv"
    write_rows(path, header, rows)
    raw = path.read_bytes()
    assert raw.count(b"\r\n") > len(rows) + 500  # breaks inside fields too
    if packing == "gzip":
        path = tmp_path / "ged_crlf.csv.gz"
        path.write_bytes(gzip.compress(raw))
    elif packing == "zip":
        path = tmp_path / "ged_crlf.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("ged_crlf.csv", raw)
    [b] = ingest_json(tocsin, path)
    assert (b["source"], b["rows_read"], b["rows_stored"], b["rows_rejected"]) == (
        "ucdp-ged", 855, 855, 0)
    got = events(tocsin.home)
    expected = _expected_notes(ucdp_original, header, rows)
    assert got == expected
    # The breaks are kept in the text, as LF.
    lone_cr = [r for k, r in enumerate(rows) if k % 3 == 0 and ";\r" in r[header.index(
        "source_headline")]]
    assert lone_cr
    uid = "ucdp-ged:" + lone_cr[0][0]
    assert ";\n" in got[uid][COMPARED.index("notes")]
    assert not any("\r" in (e[COMPARED.index("notes")] or "") for e in got.values())
    # Apart from the text with its breaks, the events are those of the file as shipped.
    assert {k: v[:-1] for k, v in got.items()} == {k: v[:-1] for k, v in ucdp_original.items()}


def test_row_problem_after_cr_breaks_names_the_users_line(tmp_path, tocsin):
    """Line numbers count CRLF, lone CR and LF as one line each, also inside fields."""
    header, rows = read_rows(UCDP_2021)
    rows = break_ucdp_fields(header, rows)
    rows[700][header.index("date_start")] = "2021-13-45"
    path = tmp_path / "ged_crlf_bad.csv"
    starts = write_rows(path, header, rows)
    assert starts[700] > 702 + 300  # many rows before it span several lines
    code, out, err = tocsin("events", "ingest", path)
    assert code == 2
    assert f"{path}:{starts[700]}: date_start '2021-13-45' is not a date" in err, err


def test_lone_cr_line_ends_are_lines(tmp_path, tocsin):
    header, rows = read_rows(UCDP_2021)
    rows[10][header.index("best")] = "n/a"
    path = tmp_path / "ged_cr.csv"
    starts = write_rows(path, header, rows, terminator="\r")
    code, out, err = tocsin("events", "ingest", path)
    assert code == 2
    assert f"{path}:{starts[10]}: best 'n/a' is not a whole number" in err, err


def test_scratch_errors_name_the_users_file_and_line(tmp_path, tocsin, monkeypatch):
    """If DuckDB cannot read a chunk's scratch file, the message names the user's file and
    the line the record starts on there, not DuckDB's record number in the scratch file
    ("CSV Error on Line: 1") nor the scratch path.

    Made to happen by reading the file as before the fix (CRs kept in the text) with
    chunks of 100 rows: the second chunk starts with a row holding a CR."""
    from tocsin.events import csvrows
    from tocsin.events.files import InputFile

    def keep_crs(self):
        return io.TextIOWrapper(self.open_binary(), encoding=self.encoding, newline="")

    monkeypatch.setattr(InputFile, "open_text", keep_crs)
    monkeypatch.setattr(csvrows, "CHUNK_ROWS", 100)
    header, rows = read_rows(UCDP_2021)
    col = header.index("source_headline")
    for row in rows:
        row[col] = normalised(row[col]).replace("\n", " ")
        row[header.index("where_description")] = " ".join(
            normalised(row[header.index("where_description")]).split("\n"))
    rows[100][col] = "first line\r\nsecond line"
    path = tmp_path / "ged_chunk.csv"
    starts = write_rows(path, header, rows, terminator="\n")
    code, out, err = tocsin("events", "ingest", path)
    assert code == 2
    assert f"{path}:{starts[100]}: cannot be read: " in err, err
    assert "Line: 1" not in err and "chunk-" not in err and "/tmp" not in err.replace(
        str(tmp_path), ""), err
    assert not (tocsin.home / "events" / "tmp").exists() or not any(
        p.name.startswith("2") for p in (tocsin.home / "events" / "tmp").iterdir())


def test_acled_notes_with_line_breaks(tmp_path, tocsin, acled_dir):
    """ACLED notes with CRLF, lone CR and LF: the same events, the notes with LF breaks."""
    original = sample(ACLED_2021)
    header, rows = read_rows(original)
    notes = [h.lower() for h in header].index("notes")
    kinds = ["\r\n", "\r", "\n"]
    for k, row in enumerate(rows):
        row[notes] = row[notes].replace(". ", "." + kinds[k % 3], 1)
    assert any("\r" in r[notes] for r in rows[:1])
    path = tmp_path / "acled_breaks.csv"
    write_rows(path, header, rows)
    [b0] = ingest_json(tocsin, original, home=tmp_path / "h0")
    [b1] = ingest_json(tocsin, path)
    assert b1["rows_stored"] == b0["rows_stored"] == len(rows)
    before, after = events(tmp_path / "h0"), events(tocsin.home)
    n = COMPARED.index("notes")
    assert {k: v[:n] for k, v in after.items()} == {k: v[:n] for k, v in before.items()}
    by_id = {"acled:" + r[[h.lower() for h in header].index("event_id_cnty")]: r for r in rows}
    for uid, event in after.items():
        assert event[n] == normalised(by_id[uid][notes]).strip(), uid


def test_mapped_csv_text_with_line_breaks(tmp_path, tocsin):
    mapping = tmp_path / "monitor.yaml"
    mapping.write_text("source: monitor\ncountry_scheme: iso3\ncolumns:\n  source_id: incident\n"
                       "  event_date: date\n  country: country\n  notes: summary\n",
                       encoding="utf-8")
    data = tmp_path / "monitor.csv"
    data.write_bytes(b'incident,date,country,summary\r\n'
                     b'M-1,2021-02-03,MMR,"Arrests in Yangon.\r\nTwelve held."\r\n'
                     b'M-2,2021-03-14,MMR,"Shooting.\rThirty-eight killed."\r\n'
                     b'M-3,2021-03-27,MMR,"Raid.\nTwelve killed."\r\n')
    [b] = ingest_json(tocsin, data, "--source", "mapped", "--mapping", mapping)
    assert (b["rows_read"], b["rows_stored"]) == (3, 3)
    con = store.connect_reader(tocsin.home)
    assert con.execute("SELECT uid, notes FROM events ORDER BY uid").fetchall() == [
        ("monitor:M-1", "Arrests in Yangon.\nTwelve held."),
        ("monitor:M-2", "Shooting.\nThirty-eight killed."),
        ("monitor:M-3", "Raid.\nTwelve killed.")]
    # A row problem after them is named at its line in the user's file.
    data.write_bytes(data.read_bytes() + b'M-4,2021-02-31,MMR,"Bad\r\ndate"\r\n')
    code, _, err = tocsin("events", "ingest", data, "--source", "mapped", "--mapping", mapping)
    assert code == 2 and f"{data}:8: date '2021-02-31' is not a date" in err, err


@pytest.mark.parametrize("raw,after_cr,expected", [
    (b"a\r\nb\rc\nd", False, 3), (b"\na", True, 0), (b"\na", False, 1), (b"\r", False, 1),
    (b"", True, 0)])
def test_line_breaks(raw, after_cr, expected):
    from tocsin.events.files import line_breaks

    assert line_breaks(raw, after_cr) == expected


def test_nul_byte_after_cr_lines_names_its_line(tmp_path, tocsin):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"id,type_of_violence,date_start,best\r1,1,2021-01-01,1\r\x00\x01\r")
    code, _, err = tocsin("events", "ingest", path)
    assert code == 2 and f"{path}:3: is a binary file" in err, err
