"""``tocsin.vault`` (core, no Django): authenticated encryption with keys in a key file
outside the database and uploads, key ids, rotation; the attacks it must stop."""

from __future__ import annotations

import json
import os
import stat

import pytest

from tocsin import vault
from tocsin.config import ConfigError


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.delenv(vault.ENV, raising=False)
    monkeypatch.delenv("TOCSIN_ENV", raising=False)
    vault.forget_cache()
    return tmp_path / "home"


def test_a_key_file_is_made_once_private_and_outside_the_uploads(home):
    ring = vault.load(home)
    path = home / "keys" / "evidence.keys"
    assert ring.path == path and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert vault.load(home) is ring  # read once while it does not change
    doc = json.loads(path.read_text())
    assert doc["primary"] == ring.primary and set(doc["keys"]) == {ring.primary}


def test_production_requires_the_key_file(home, monkeypatch):
    monkeypatch.setenv("TOCSIN_ENV", "production")
    with pytest.raises(ConfigError) as exc:
        vault.load(home)
    assert exc.value.variable == vault.ENV and "create_evidence_keys" in str(exc.value)
    assert vault.load(home, required=False) is None
    assert not (home / "keys").exists()


def test_the_key_file_may_not_be_in_the_uploads_nor_readable_by_others(home, monkeypatch,
                                                                       tmp_path):
    monkeypatch.setenv(vault.ENV, str(home / "uploads" / "k.keys"))
    with pytest.raises(ConfigError, match="inside the upload folder"):
        vault.load(home)
    elsewhere = tmp_path / "secrets" / "evidence.keys"
    monkeypatch.setenv(vault.ENV, str(elsewhere))
    ring = vault.load(home)
    assert ring.path == elsewhere and not (home / "keys").exists()
    os.chmod(elsewhere, 0o644)
    vault.forget_cache()
    with pytest.raises(ConfigError, match="other users"):
        vault.load(home)


def test_sealed_text_and_bytes_open_only_with_their_key_and_purpose(home):
    ring = vault.load(home)
    token = ring.seal_text("Witness W-17 saw the militia", "evidence.data")
    assert "W-17" not in token and vault.is_sealed_text(token)
    assert vault.key_id_of(token) == ring.primary
    assert ring.open_text(token, "evidence.data") == "Witness W-17 saw the militia"
    blob = ring.seal(b"%PDF-1.7 statement", "evidence.document")
    assert b"statement" not in blob and vault.key_id_of(blob[:64]) == ring.primary
    assert ring.open(blob, "evidence.document") == b"%PDF-1.7 statement"
    # Moved to another kind of field: does not open.
    with pytest.raises(vault.Damaged):
        ring.open_text(token, "evidence.filename")
    # Each sealing differs (a fresh nonce): equal texts cannot be told equal.
    assert ring.seal_text("same", "p") != ring.seal_text("same", "p")
    # What was never sealed (stored before encryption) reads as it is.
    assert ring.open(b"plain old file", "evidence.document") == b"plain old file"


@pytest.mark.parametrize("where", [20, -1, -20])
def test_an_altered_ciphertext_is_refused(home, where):
    ring = vault.load(home)
    blob = bytearray(ring.seal(b"the statement itself", "evidence.document"))
    blob[where] ^= 1
    with pytest.raises(vault.VaultError):
        ring.open(bytes(blob), "evidence.document")
    token = ring.seal_text("a name", "evidence.filename")
    with pytest.raises(vault.VaultError):
        ring.open_text(token[:-6], "evidence.filename")


def test_rotation_the_old_key_alone_opens_nothing_new_and_the_new_opens_all(home):
    old = vault.load(home)
    sealed_old = old.seal(b"before rotation", "x")
    new = vault.add_key(old.path)
    assert new.primary != old.primary and set(new.keys) == {old.primary, new.primary}
    assert new.audit == old.audit  # the audit chain's key is not rotated
    assert new.open(sealed_old, "x") == b"before rotation"  # mid-rotation: both open
    sealed_new = new.seal(b"after rotation", "x")
    with pytest.raises(vault.KeyMissing):
        old.open(sealed_new, "x")
    # Even told to use the old key's bytes for the new key's id, it does not open.
    impostor = vault.Keyring(old.path, new.primary, {new.primary: old.keys[old.primary]},
                             old.audit)
    with pytest.raises(vault.Damaged):
        impostor.open(sealed_new, "x")
    with pytest.raises(ConfigError):
        vault.retire(old.path, [new.primary])  # never the primary
    done = vault.retire(old.path, [old.primary])
    assert set(done.keys) == {new.primary}
    vault.forget_cache()
    with pytest.raises(vault.KeyMissing):
        vault.load(home).open(sealed_old, "x")
    assert vault.load(home).open(sealed_new, "x") == b"after rotation"


def test_a_key_file_is_never_overwritten(home):
    ring = vault.load(home)
    with pytest.raises(ConfigError, match="never overwritten"):
        vault.create(ring.path)


def test_the_audit_mac_needs_the_key(home, tmp_path, monkeypatch):
    a = vault.load(home)
    monkeypatch.setenv(vault.ENV, str(tmp_path / "other.keys"))
    b = vault.load(home)
    assert a.audit_mac(b"entry") == a.audit_mac(b"entry") != b.audit_mac(b"entry")
