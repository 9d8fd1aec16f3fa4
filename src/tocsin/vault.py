"""Sensitive evidence sealed at rest: authenticated encryption with keys kept in a key
file outside the database and the upload folder.

A stolen database, upload folder or backup reveals nothing sensitive without the key
file, and an altered ciphertext is refused rather than misread. The cipher is AES-256-GCM
from the ``cryptography`` package (a maintained, audited implementation: nothing here
is home-made cryptography); each ciphertext names the key that sealed it and is bound to
what it is (its *purpose*: "evidence.data", "evidence.document", ...), so a ciphertext
moved to another kind of field does not open.

The key file (``TOCSIN_EVIDENCE_KEYS``, default ``$TOCSIN_HOME/keys/evidence.keys``,
mode 0600) is JSON::

    {"format": "tocsin-evidence-keys/1", "primary": "ID",
     "keys": {"ID": "<32 bytes, base64>", ...}, "audit": "<32 bytes, base64>"}

``primary`` seals; every key of ``keys`` opens what it sealed. Rotation adds a key and
makes it primary (``add_key``), re-seals everything with it (the site's
``rotate_evidence_key``), then drops the old one (``retire``). ``audit`` keys the HMAC
of the audit log's hash chain; it is not rotated with the evidence keys (the chain's
past entries must stay verifiable).

In development the file is made on first use; in production it must exist (on another
volume than the database and uploads, or injected by a secret manager). This module is
core: it imports no Django.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path

from tocsin import config
from tocsin.config import ConfigError
from tocsin.errors import InputError, Problem

ENV = "TOCSIN_EVIDENCE_KEYS"
FORMAT = "tocsin-evidence-keys/1"
TEXT_PREFIX = "tocsin-vault/1:"
FILE_MAGIC = b"TOCSIN-VAULT/1\n"
NONCE = 12
KEY_BYTES = 32


class VaultError(InputError):
    """A sealed value that cannot be opened: its key is not in the key file, or it was
    altered (or sealed for another purpose)."""

    def __init__(self, message: str, where: str = "evidence"):
        super().__init__(Problem(where, message))


class KeyMissing(VaultError):
    pass


class Damaged(VaultError):
    pass


def key_path(home: Path | str) -> Path:
    """Where the key file is: ``TOCSIN_EVIDENCE_KEYS``, else ``HOME/keys/evidence.keys``.
    Never inside the upload folder (``HOME/uploads``): a stolen upload folder would then
    hold its own key."""
    home = Path(home).expanduser().resolve()
    raw = config.value(ENV)
    path = Path(raw).expanduser().resolve() if raw else home / "keys" / "evidence.keys"
    if path.is_relative_to(home / "uploads"):
        raise ConfigError(ENV, f"{path} is inside the upload folder {home / 'uploads'}: keep "
                               "the key file outside the uploads and the database")
    return path


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, path: Path, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise ConfigError(ENV, f"{path}: {what} is not base64") from None
    if len(raw) != KEY_BYTES:
        raise ConfigError(ENV, f"{path}: {what} is not a {KEY_BYTES * 8}-bit key")
    return raw


def new_key_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%d") + "-" + secrets.token_hex(4)


@dataclass(frozen=True)
class Keyring:
    path: Path
    primary: str
    keys: dict[str, bytes]
    audit: bytes

    # --- sealing -------------------------------------------------------------------
    def _aead(self, key_id: str):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = self.keys.get(key_id)
        if key is None:
            raise KeyMissing(f"sealed with key {key_id!r}, which the key file {self.path} "
                             "does not hold (restore it from where the keys are kept)")
        return AESGCM(key)

    @staticmethod
    def _aad(purpose: str, key_id: str) -> bytes:
        return f"tocsin-vault/1|{purpose}|{key_id}".encode()

    def seal(self, data: bytes, purpose: str) -> bytes:
        """``data`` sealed with the primary key: magic, key id, nonce, ciphertext+tag."""
        kid = self.primary
        nonce = os.urandom(NONCE)
        ct = self._aead(kid).encrypt(nonce, data, self._aad(purpose, kid))
        k = kid.encode("ascii")
        return FILE_MAGIC + bytes([len(k)]) + k + nonce + ct

    def open(self, blob: bytes, purpose: str) -> bytes:
        """What ``seal`` sealed; ``KeyMissing`` or ``Damaged`` if it cannot be opened.
        ``blob`` not sealed at all (a file from before encryption) is returned as is."""
        parsed = _parse_blob(blob)
        if parsed is None:
            return blob
        kid, nonce, ct = parsed
        from cryptography.exceptions import InvalidTag

        try:
            return self._aead(kid).decrypt(nonce, ct, self._aad(purpose, kid))
        except InvalidTag:
            raise Damaged(f"a value sealed with key {kid!r} does not open: it was altered, "
                          "or sealed for something else") from None

    def seal_text(self, text: str, purpose: str) -> str:
        blob = self.seal(text.encode("utf-8"), purpose)
        return TEXT_PREFIX + base64.urlsafe_b64encode(blob[len(FILE_MAGIC):]).decode("ascii")

    def open_text(self, token: str, purpose: str) -> str:
        if not is_sealed_text(token):
            return token
        try:
            blob = FILE_MAGIC + base64.urlsafe_b64decode(token[len(TEXT_PREFIX):])
        except (binascii.Error, ValueError):
            raise Damaged("a sealed text is not base64: it was altered") from None
        if _parse_blob(blob) is None:
            raise Damaged("a sealed text is truncated: it was altered")
        return self.open(blob, purpose).decode("utf-8")

    # --- the audit chain -------------------------------------------------------------
    def audit_mac(self, data: bytes) -> str:
        """HMAC-SHA256 of ``data`` with the audit key (hex)."""
        return hmac.new(self.audit, data, sha256).hexdigest()


def _parse_blob(blob: bytes) -> tuple[str, bytes, bytes] | None:
    if not blob.startswith(FILE_MAGIC):
        return None
    rest = blob[len(FILE_MAGIC):]
    if not rest:
        return None
    n = rest[0]
    if len(rest) < 1 + n + NONCE + 16:
        raise Damaged("a sealed value is truncated: it was altered")
    try:
        kid = rest[1:1 + n].decode("ascii")
    except UnicodeDecodeError:
        raise Damaged("a sealed value has a damaged key id") from None
    return kid, rest[1 + n:1 + n + NONCE], rest[1 + n + NONCE:]


def is_sealed_text(value) -> bool:
    return isinstance(value, str) and value.startswith(TEXT_PREFIX)


def is_sealed_bytes(head: bytes) -> bool:
    return head.startswith(FILE_MAGIC)


def key_id_of(value: str | bytes) -> str | None:
    """The id of the key that sealed ``value`` (a sealed text or the first bytes of a
    sealed file, at least 64), None if it is not sealed."""
    if isinstance(value, str):
        if not is_sealed_text(value):
            return None
        head = value[len(TEXT_PREFIX):][:128]
        try:
            value = FILE_MAGIC + base64.urlsafe_b64decode(head[:len(head) // 4 * 4])
        except (binascii.Error, ValueError):
            return None
    if not value.startswith(FILE_MAGIC) or len(value) <= len(FILE_MAGIC):
        return None
    n = value[len(FILE_MAGIC)]
    try:
        return value[len(FILE_MAGIC) + 1:len(FILE_MAGIC) + 1 + n].decode("ascii")
    except UnicodeDecodeError:
        return None


# --- the key file ----------------------------------------------------------------------
_cache: dict[Path, tuple[tuple, Keyring]] = {}
_lock = threading.Lock()


def _stat(path: Path) -> tuple:
    s = path.stat()
    return (s.st_ino, s.st_mtime_ns, s.st_size)


def _read(path: Path) -> Keyring:
    mode = path.stat().st_mode
    if mode & 0o007:
        raise ConfigError(ENV, f"{path} can be read by other users (mode {oct(mode & 0o777)}): "
                               f"make it private (chmod 600 {path})")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(ENV, f"{path} is not a Tocsin key file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ConfigError(ENV, f"{path} is not a Tocsin key file (expected format {FORMAT})")
    keys = doc.get("keys")
    if not isinstance(keys, dict) or doc.get("primary") not in keys:
        raise ConfigError(ENV, f"{path}: its primary key is not among its keys")
    return Keyring(path=path, primary=doc["primary"],
                   keys={str(k): _unb64(v, path, f"key {k!r}") for k, v in keys.items()},
                   audit=_unb64(doc.get("audit", ""), path, "the audit key"))


def _write(path: Path, ring: Keyring) -> None:
    """Write the key file atomically (a new file, synced, renamed over the old)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    doc = {"format": FORMAT, "primary": ring.primary,
           "keys": {k: _b64(v) for k, v in ring.keys.items()}, "audit": _b64(ring.audit),
           "note": "Tocsin's evidence keys: without this file sealed evidence cannot be "
                   "read. Keep it secret and apart from the database, uploads and backups."}
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def create(path: Path) -> Keyring:
    """A new key file at ``path`` (refused if one is there): one evidence key, one audit
    key, mode 0600 in a folder of mode 0700."""
    path = Path(path)
    if path.exists():
        raise ConfigError(ENV, f"{path} exists already: a key file is never overwritten")
    kid = new_key_id()
    ring = Keyring(path=path, primary=kid, keys={kid: secrets.token_bytes(KEY_BYTES)},
                   audit=secrets.token_bytes(KEY_BYTES))
    _write(path, ring)
    return ring


def load(home: Path | str, required: bool = True, create_missing: bool | None = None
         ) -> Keyring | None:
    """The keyring of ``home``. A missing key file is made (development, or
    ``create_missing``), else ``ConfigError`` (production), else None if not
    ``required``. Re-read when the file changes (a rotation in another process)."""
    path = key_path(home)
    with _lock:
        try:
            stamp = _stat(path)
        except FileNotFoundError:
            stamp = None
        if stamp is not None:
            hit = _cache.get(path)
            if hit is not None and hit[0] == stamp:
                return hit[1]
            ring = _read(path)
            _cache[path] = (stamp, ring)
            return ring
        make = (not config.production()) if create_missing is None else create_missing
        if make and required:
            ring = create(path)
            _cache[path] = (_stat(path), ring)
            return ring
    if not required:
        return None
    raise ConfigError(ENV, f"the evidence key file {path} does not exist; production needs "
                           "it (make it once with `tocsin manage create_evidence_keys`, keep "
                           "it on another volume than the database and uploads, or have a "
                           "secret manager put it there)")


def add_key(path: Path) -> Keyring:
    """Add a new key to the key file and make it primary (the first step of a rotation);
    the old keys stay, so everything sealed with them still opens."""
    ring = _read(path)
    kid = new_key_id()
    while kid in ring.keys:
        kid = new_key_id()
    new = Keyring(path=ring.path, primary=kid,
                  keys={**ring.keys, kid: secrets.token_bytes(KEY_BYTES)}, audit=ring.audit)
    _write(path, new)
    return new


def retire(path: Path, key_ids) -> Keyring:
    """Drop keys (never the primary) from the key file: what they sealed no longer
    opens. The caller has checked that nothing sealed with them is left."""
    ring = _read(path)
    drop = set(key_ids)
    if ring.primary in drop:
        raise ConfigError(ENV, f"{path}: the primary key {ring.primary!r} cannot be retired")
    new = Keyring(path=ring.path, primary=ring.primary,
                  keys={k: v for k, v in ring.keys.items() if k not in drop}, audit=ring.audit)
    _write(path, new)
    return new


def forget_cache() -> None:
    with _lock:
        _cache.clear()
