"""Evidence documents are checked as what their name says they are (issue 16: office
uploads were checked by their first 4 bytes, the zip signature, so any zip passed as a
.docx). Hostile files are built here: a zip named .docx without content types, macro-
enabled documents, zip bombs, an HTML page named .pdf."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

CT = "http://schemas.openxmlformats.org/package/2006/content-types"
MAIN = {
    "docx": ("/word/document.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("/xl/workbook.xml",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "docm": ("/word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
    "xlsm": ("/xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
}
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
        '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="{part}"/></Relationships>')


def zipped(members: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i, (name, data) in enumerate(members):
            kind = zipfile.ZIP_STORED if stored_first and i == 0 else zipfile.ZIP_DEFLATED
            z.writestr(name, data, compress_type=kind)
    return buf.getvalue()


def ooxml(kind: str, extra: list[tuple[str, bytes]] = (), extra_types: str = "",
          types: str | None = None) -> bytes:
    part, ctype = MAIN[kind]
    if types is None:
        types = (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT}">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                 'package.relationships+xml"/><Default Extension="xml" ContentType='
                 f'"application/xml"/><Override PartName="{part}" ContentType="{ctype}"/>'
                 f'{extra_types}</Types>')
    return zipped([("[Content_Types].xml", types.encode()),
                   ("_rels/.rels", RELS.format(part=part.lstrip("/")).encode()),
                   (part.lstrip("/"), b'<?xml version="1.0"?><document>Report</document>'),
                   *extra])


def odt(mimetype: bytes = b"application/vnd.oasis.opendocument.text",
        extra: list[tuple[str, bytes]] = ()) -> bytes:
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>')
    return zipped([("mimetype", mimetype), ("META-INF/manifest.xml", manifest),
                   ("content.xml", b"<office:document-content/>"), *extra],
                  stored_first=True)


def zip_bomb(unpacked_mb: int) -> bytes:
    """A real .docx with one member of ``unpacked_mb`` MB of zeros (a few hundred KB)."""
    base = io.BytesIO(ooxml("docx"))
    with zipfile.ZipFile(base, "a", zipfile.ZIP_DEFLATED) as z, \
            z.open("word/media/image1.png", "w", force_zip64=True) as fh:
        block = b"\0" * (1024 * 1024)
        for _ in range(unpacked_mb):
            fh.write(block)
    return base.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MACROS = "contains macros"


def hostile():
    vba = ('<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>')
    laughs = ('<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b '
              '"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Types xmlns="' + CT + '">&b;</Types>')
    return [
        ("no content types", "report.docx",
         zipped([("word/document.xml", b"<document/>")]), "not a .docx file"),
        ("any zip", "report.docx", zipped([("evil.exe", b"MZ\x90\x00")]), "not a .docx file"),
        ("a spreadsheet named .docx", "report.docx", ooxml("xlsx"), "not a .docx file"),
        ("macro-enabled .docm named .docx", "report.docx", ooxml("docm"), MACROS),
        ("macro-enabled .xlsm named .xlsx", "sheet.xlsx", ooxml("xlsm"), MACROS),
        ("a VBA project in a .docx", "report.docx",
         ooxml("docx", [("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")], vba), MACROS),
        ("a VBA project without its type", "report.docx",
         ooxml("docx", [("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")]), MACROS),
        ("entities in the content types", "report.docx", ooxml("docx", types=laughs),
         "not valid"),
        ("a zip bomb", "report.docx", zip_bomb(150), "too much data"),
        ("a bomb of members", "report.docx",
         ooxml("docx", [(f"word/m{i}.xml", b"") for i in range(2500)]), "too much data"),
        ("a damaged archive", "report.docx", ooxml("docx")[:-40], "damaged"),
        ("an .odt of another type", "report.odt",
         odt(b"application/vnd.oasis.opendocument.spreadsheet"), "not a .odt file"),
        ("an .odt without its mimetype", "report.odt",
         zipped([("content.xml", b"<x/>")]), "not a .odt file"),
        ("an .odt with Basic macros", "report.odt",
         odt(extra=[("Basic/Standard/Module1.xml", b"<script/>")]), MACROS),
        ("an HTML page named .pdf", "report.pdf",
         b"<html><script>alert(1)</script></html>", "not a .pdf file"),
        ("a PDF header on an HTML page", "report.pdf",
         b"%PDF-1.4\n<html><script>alert(1)</script></html>", "incomplete"),
        ("Latin-1 text named .csv", "data.csv", "région;décès\n".encode("latin-1"),
         "not a .csv file"),
    ]


@pytest.fixture
def upload(client, world):
    from tocsin.web.assessments import convert

    ind = convert.framework(world.ken.framework_id).risk_factors[0].indicators[0].id
    client.force_login(world.users["assessor"])
    prefix = f"ev-indicator-{ind}"

    def send(name: str, body: bytes):
        return client.post(f"/assessments/{world.ken.pk}/items/indicator/{ind}/evidence/", {
            f"{prefix}-text": "A document", f"{prefix}-document": SimpleUploadedFile(name, body)})

    return send


def evidence_count() -> int:
    from tocsin.web.assessments.models import Evidence

    return Evidence.objects.count()


@pytest.mark.parametrize("label,name,body,message", hostile(), ids=[h[0] for h in hostile()])
def test_hostile_upload_is_refused(upload, label, name, body, message):
    assert len(body) < 10 * 1024 * 1024  # within the size limit: the content is refused
    before = evidence_count()
    resp = upload(name, body)
    assert resp.status_code == 400, label
    assert message in resp.content.decode(), label
    assert evidence_count() == before


GOOD = [
    ("report.docx", ooxml("docx"), "wordprocessingml.document"),
    ("sheet.xlsx", ooxml("xlsx"), "spreadsheetml.sheet"),
    ("report.odt", odt(), "opendocument.text"),
    ("report.pdf", PDF, "application/pdf"),
    ("notes.txt", "Témoin : déplacés à Kisumu\n".encode(), "text/plain"),
    ("data.csv", b"county,deaths\nKisumu,3\n", "text/csv"),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "image/png"),
]


@pytest.mark.parametrize("name,body,content_type", GOOD, ids=[g[0] for g in GOOD])
def test_genuine_documents_are_accepted(upload, name, body, content_type):
    from tocsin.web.assessments.models import Evidence

    before = evidence_count()
    resp = upload(name, body)
    assert resp.status_code in (200, 302), resp.content.decode()[:1000]
    assert evidence_count() == before + 1
    assert content_type in max(Evidence.objects.all(), key=lambda e: e.pk).content_type
