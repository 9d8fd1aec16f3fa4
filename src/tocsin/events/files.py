"""Opening an input file: compression, encoding, and the file-level checks.

Every file-level problem (missing, empty, header only, truncated archive,
wrong encoding, binary garbage) becomes an InputError naming the file, so the
command exits 2 before anything is written.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import shutil
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from tocsin.errors import InputError

HEAD_BYTES = 256 * 1024


@dataclass
class InputFile:
    path: Path  # as given by the user
    sha256: str
    size: int
    compression: str  # "none" | "gzip" | "zip"
    readable: Path  # what readers open: the file itself, or a zip member extracted
    head: str  # the first bytes, decoded, for recognising the format
    encoding: str = "utf-8"  # "utf-8" or "cp1252" (ACLED's legacy exports)
    workdir: Path | None = None  # scratch space for this file, removed after the ingest

    @property
    def name(self) -> str:
        return str(self.path)

    def error(self, message: str, line: int | None = None) -> InputError:
        return InputError.single(self.path, message, line)

    def open_binary(self):
        if self.compression == "gzip":
            return gzip.open(self.readable, "rb")
        return open(self.readable, "rb")

    def open_text(self):
        """The file as text, every line break (CRLF, lone CR, LF) read as LF.

        Universal newlines, also inside quoted fields: a UCDP source_article or an
        ACLED note written with CRLF or CR breaks reaches the readers with LF breaks
        (normalised, not kept byte for byte), so the readers' scratch files hold one
        kind of line break only. Record terminators are counted as lines either way,
        so line numbers in messages are the user's (a lone CR ends a line, as in
        editors).
        """
        return io.TextIOWrapper(self.open_binary(), encoding=self.encoding, newline=None)


def line_breaks(raw: bytes, after_cr: bool = False) -> int:
    """Line breaks in `raw` as the readers count them: CRLF, lone CR and LF each one.

    `after_cr`: the bytes before `raw` ended in CR (an LF first is then its CRLF's end).
    """
    n = raw.count(b"\n") + raw.count(b"\r") - raw.count(b"\r\n")
    return n - 1 if after_cr and raw.startswith(b"\n") else n


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def open_input(path: Path | str, workdir: Path, hash_file: bool = True) -> InputFile:
    """Check `path` and prepare it for reading; zip members are extracted to `workdir`.

    With `hash_file=False` the caller fills in `sha256` itself (the store hashes
    large files on a thread while they are read).
    """
    path = Path(path)
    if not path.exists():
        raise InputError.single(path, "file not found")
    if path.is_dir():
        raise InputError.single(path, "is a directory, expected an event file")
    size = path.stat().st_size
    if size == 0:
        raise InputError.single(path, "is empty (0 bytes), expected an event file")
    with open(path, "rb") as f:
        magic = f.read(4)
    compression = "none"
    readable = path
    if magic[:2] == b"\x1f\x8b":
        compression = "gzip"
        _check_gzip(path)
    elif magic == b"PK\x03\x04":
        compression = "zip"
        readable = _extract_zip(path, workdir)
    digest = sha256(path) if hash_file else ""
    info = InputFile(path, digest, size, compression, readable, "", workdir=workdir)
    with info.open_binary() as f:
        try:
            raw = f.read(HEAD_BYTES)
        except (EOFError, OSError, zlib.error) as exc:
            raise info.error(f"is a damaged or truncated gzip file ({exc})") from exc
    if not raw.strip():
        raise info.error("has no data (only blank lines after decompression)"
                         if compression != "none" else "has no data (only blank lines)")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or raw[:200].count(b"\x00") > 20:
        raise info.error("is UTF-16 text; save it as UTF-8 (or as ACLED exports it) and retry"
                         if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
                         else "is a binary file, not CSV or tab-separated text")
    if b"\x00" in raw:
        raise info.error("is a binary file (contains NUL bytes), not CSV or tab-separated text",
                         line_breaks(raw[: raw.index(b"\x00")]) + 1)
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[3:]
    info.head = _decode_head(info, raw)
    return info


def _check_gzip(path: Path) -> None:
    """Read the gzip stream to its end: a truncated download fails here, before any work."""
    try:
        with gzip.open(path, "rb") as f:
            while f.read(8 * 1024 * 1024):
                pass
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError.single(path, f"is a damaged or truncated gzip file ({exc})") from exc


def _extract_zip(path: Path, workdir: Path) -> Path:
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1:
                names = ", ".join(m.filename for m in members[:5]) or "none"
                raise InputError.single(
                    path, f"zip archive must hold exactly one file, it holds {len(members)} "
                          f"({names})")
            workdir.mkdir(parents=True, exist_ok=True)
            target = workdir / (Path(members[0].filename).name or "member")
            with zf.open(members[0]) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 8 * 1024 * 1024)
            return target
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise InputError.single(path, f"is a damaged or truncated zip file ({exc})") from exc


# Bytes that Windows-1252 leaves undefined: their presence rules it out.
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _decode_head(info: InputFile, raw: bytes) -> str:
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
    except UnicodeDecodeError:
        pass
    if not any(b in _CP1252_UNDEFINED for b in raw):
        info.encoding = "cp1252"
        return raw.decode("cp1252")
    first_bad = next(i for i, b in enumerate(raw) if b in _CP1252_UNDEFINED)
    raise info.error("is neither UTF-8 nor Windows-1252 text; re-save it as UTF-8",
                     line_breaks(raw[:first_bad]) + 1)


def check_encoding(info: InputFile) -> None:
    """Decode the whole file once in the chosen encoding; name the line of the first bad byte.

    UTF-8 files that turn out to hold Windows-1252 bytes after the head are read
    as Windows-1252 when every byte is defined there (ACLED's legacy exports).
    """
    first_error = None
    for encoding in dict.fromkeys([info.encoding, "cp1252"]):
        decoder = codecs.getincrementaldecoder(encoding)()
        line, after_cr = 1, False
        try:
            with info.open_binary() as f:
                while chunk := f.read(4 * 1024 * 1024):
                    decoder.decode(chunk)
                    line += line_breaks(chunk, after_cr)
                    after_cr = chunk.endswith(b"\r")
                decoder.decode(b"", final=True)
            info.encoding = encoding
            return
        except UnicodeDecodeError as exc:
            bad_line = line + line_breaks(exc.object[: exc.start], after_cr)
            first_error = first_error or (bad_line, exc)
    bad_line, exc = first_error
    raise info.error(f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}) and not "
                     "Windows-1252 either; re-save it as UTF-8", bad_line)
