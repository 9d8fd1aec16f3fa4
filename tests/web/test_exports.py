"""CSV exports are safe to open in a spreadsheet (issue 16): a planted formula in an
evidence text (``=HYPERLINK(...)``), an alert, an event note (``@SUM(1+1)``) or an audit
entry comes out as text, with a leading apostrophe (``tocsin.csvcells``), in the API's
exports, the audit log's CSV and ``tocsin events export --format csv``; JSON and Parquet
keep the data as it is."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from django.urls import reverse

from tocsin.events.samples import paths as sample_paths

HYPERLINK = '=HYPERLINK("http://evil.example","x")'
SUM = "@SUM(1+1)"


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _no_formula(rows: list[dict]) -> None:
    for r in rows:
        for k, v in r.items():
            assert not (v or "").startswith(("=", "+", "-", "@")), (k, v)


def test_the_evidence_export_quotes_a_planted_formula(client, world):
    from tocsin.web.assessments import evidence

    entry = world.ken.assessors.get(user=world.users["assessor"])
    item = entry.ratings.filter(kind="indicator").first().item
    evidence.add(entry, "indicator", item, {"text": HYPERLINK, "url": "https://a.example/"},
                 world.users["assessor"])
    client.force_login(world.users["focal"])
    resp = client.get("/api/v1/export/evidence", {"format": "csv"})
    assert resp.status_code == 200
    rows = _rows(resp.content.decode())
    assert "'" + HYPERLINK in [r["text"] for r in rows]
    _no_formula(rows)
    # JSON is data, not a spreadsheet: as typed.
    data = client.get("/api/v1/export/evidence", {"format": "json"}).json()
    assert HYPERLINK in [r["text"] for r in data]


def test_the_alerts_export_quotes_a_planted_formula(client, world):
    from tocsin.web.alerts.models import Alert

    fields = {f.name for f in Alert._meta.fields}
    alert = Alert.objects.create(**{k: v for k, v in {
        "key": "planted", "country": "KEN", "rule": SUM, "rule_name": HYPERLINK,
        "severity": "high", "week": "2024-01-01",
        "reason": HYPERLINK, "title": HYPERLINK}.items() if k in fields})
    client.force_login(world.users["focal"])
    rows = _rows(client.get("/api/v1/export/alerts", {"format": "csv"}).content.decode())
    row = next(r for r in rows if r["id"] == str(alert.pk))
    assert "'" + SUM in row.values()
    _no_formula(rows)


def test_the_audit_csv_quotes_a_planted_formula(client, world):
    from tocsin.web.audit.context import acting
    from tocsin.web.audit.log import record

    with acting(None, name=SUM):
        record("update", world.users["outsider"], object_type="user",
               after={"first_name": HYPERLINK})
    client.force_login(world.users["admin"])
    resp = client.get(reverse("audit:export"))
    rows = _rows(b"".join(resp.streaming_content).decode())
    assert "'" + SUM in [r["actor"] for r in rows]
    _no_formula(rows)


@pytest.fixture(scope="module")
def planted_events(tmp_path_factory) -> Path:
    """A home whose event store holds UCDP events with a planted formula in their notes
    (the UCDP headline) and place."""
    from tocsin.events.ingest import ingest

    home = tmp_path_factory.mktemp("planted")
    ucdp = next(p for p in sample_paths() if p.name.startswith("ucdp"))
    with gzip.open(ucdp, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:6]
    col = {n: j for j, n in enumerate(header)}
    body[0][col["source_headline"]] = SUM
    body[1][col["where_coordinates"]] = HYPERLINK
    body[2][col["source_headline"]] = "-2+3"
    planted = home / "planted_ucdp.csv"
    with planted.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *body])
    ingest(home, [planted], echo=lambda s: None)
    return home


def test_the_events_export_quotes_a_planted_formula(client, world, settings, planted_events):
    settings.HOME = planted_events
    client.force_login(world.users["viewer"])
    resp = client.get("/api/v1/export/events", {"country": "MMR", "format": "csv"})
    assert resp.status_code == 200
    rows = _rows(b"".join(resp.streaming_content).decode())
    assert rows and "'" + SUM in [r["notes"] for r in rows]
    assert "'-2+3" in [r["notes"] for r in rows]
    _no_formula(rows)


def test_tocsin_events_export_csv_quotes_a_planted_formula(planted_events, tmp_path, run):
    out = tmp_path / "events.csv"
    code, msg, err = run("events", "export", "--format", "csv", "-o", out, "--home",
                         planted_events)
    assert code == 0, err
    rows = _rows(out.read_text(encoding="utf-8"))
    assert len(rows) == 5 and "'" + SUM in [r["notes"] for r in rows]
    assert any(v == "'" + HYPERLINK for r in rows for v in r.values())
    _no_formula(rows)
    # Numbers and dates stay as they were; Parquet keeps the notes as ingested.
    assert all(r["event_date"][:1].isdigit() for r in rows)
    pq = tmp_path / "events.parquet"
    code, _msg, err = run("events", "export", "--format", "parquet", "-o", pq, "--home",
                          planted_events)
    assert code == 0, err
    import pyarrow.parquet as papq

    assert SUM in papq.read_table(pq).column("notes").to_pylist()
