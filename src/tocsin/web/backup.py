"""A consistent, verified copy of a Tocsin home, restorable on a fresh machine.

``backup(home, out)`` writes one ``.tar.gz`` holding:

- ``database/``: the site's database as of one moment: SQLite through its online
  backup API (a page-by-page copy that is consistent while the site runs), PostgreSQL
  through ``pg_dump`` (one snapshot transaction, custom format);
- ``uploads/``: the uploaded evidence;
- ``events/`` and ``warning/``: the current generation of the event store and of the
  published signals, and the signals' working database, copied while both stores'
  write locks are held, so no ingest or refresh is half in the copy;
- the home's own configuration: local frameworks, alert rules, ``subscribers.yaml``;
- ``manifest.json``: the Tocsin version, the database engine, and the SHA-256 and size
  of every other file.

Not copied: the evidence key file (``TOCSIN_EVIDENCE_KEYS``, ``tocsin.vault``), which
seals the sensitive evidence and the documents in the archive and keys the audit log's
hash chain: a backup is only readable with it, so keep the key file apart from the
backups (another volume, a secret manager) and provide it at restore. The manifest names
the keys the archive's contents are sealed with (their ids, never the keys). Nor the
development secret key (a restored site makes a new one; people log in again), static
files (collected again), scratch directories. A production secret key comes from the
environment and is never in a home.

``restore(archive, home)`` checks every file against the manifest before anything is
written, refuses a home that already holds a site, and one whose key file (put there
beforehand: ``HOME/keys/evidence.keys`` or ``TOCSIN_EVIDENCE_KEYS``) lacks a key the
archive is sealed with (``force`` restores anyway: the sealed evidence then stays
unreadable until the key file is there), unpacks beside the target and
moves into place, loads the database, then migrates it (carrying an older layout
forward). ``verify(archive)`` is the check alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from tocsin.errors import InputError, Problem

FORMAT = "tocsin-backup/1"
CONFIG_ITEMS = ("frameworks", "alert-rules", "subscribers.yaml")
KEYS_DIR = "keys"  # where the key file is by default: never copied, kept at restore


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def _stores_locked(home: Path):
    """Hold the event store's and the signals' write locks: no commit meanwhile."""
    from tocsin.events.store import generations as event_generations
    from tocsin.warning.signals import generations as signal_generations

    with contextlib.ExitStack() as stack:
        for store in (event_generations(home), signal_generations(home)):
            stack.enter_context(store.lock(echo=lambda s: None))
        yield


def _copy_generation(store, dest: Path) -> None:
    current = store.current()
    if current is None or not current.exists():
        return
    target = dest / "snapshot" / current.name
    shutil.copytree(current, target)
    (dest / "snapshot" / "CURRENT").write_text(current.name)


def _database_copy(out_dir: Path) -> dict:
    from django.db import connections

    conn = connections["default"]
    s = conn.settings_dict
    out_dir.mkdir(parents=True)
    if conn.vendor == "sqlite":
        import sqlite3

        target = out_dir / "tocsin.sqlite3"
        src = sqlite3.connect(s["NAME"])
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return {"engine": "sqlite", "file": "database/tocsin.sqlite3"}
    if conn.vendor == "postgresql":
        target = out_dir / "tocsin.pgdump"
        env = {**os.environ, "PGPASSWORD": s.get("PASSWORD") or ""}
        cmd = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
               "-h", s.get("HOST") or "localhost", "-p", str(s.get("PORT") or 5432),
               "-U", s.get("USER") or "", "-f", str(target), s["NAME"]]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise InputError(Problem("TOCSIN_DATABASE_URL", f"pg_dump failed: "
                                                            f"{r.stderr.strip()[:300]}"))
        return {"engine": "postgresql", "file": "database/tocsin.pgdump"}
    raise InputError(Problem("TOCSIN_DATABASE_URL", f"cannot back up a {conn.vendor} database"))


def backup(home: Path, out: Path) -> dict:
    """Write the archive ``out`` of ``home`` (Django set up for it); return its manifest."""
    from django.conf import settings

    from tocsin import __version__, vault
    from tocsin.events.store import generations as event_generations
    from tocsin.warning.signals import generations as signal_generations
    from tocsin.warning.signals import signals_path
    from tocsin.web.assessments import evidence

    home = Path(home)
    out = Path(out)
    key_file = vault.key_path(home)
    ring = vault.load(home, required=False)
    used = evidence.usage(ring)
    sealed_with = sorted({k for part in used.values() for k in part if k})
    with tempfile.TemporaryDirectory(prefix=".tocsin-backup-", dir=out.parent) as tmp:
        root = Path(tmp) / "backup"
        root.mkdir()
        with _stores_locked(home):
            database = _database_copy(root / "database")
            _copy_generation(event_generations(home), root / "events")
            _copy_generation(signal_generations(home), root / "warning")
            if signals_path(home).exists():
                shutil.copy2(signals_path(home), root / "warning" / "signals.duckdb")
        uploads = Path(settings.MEDIA_ROOT)
        if uploads.is_dir():
            shutil.copytree(uploads, root / "uploads")
        for item in CONFIG_ITEMS:
            src = home / item
            if src.is_dir():
                shutil.copytree(src, root / "home" / item,
                                ignore=lambda d, names: [n for n in names
                                                         if _is_key_file(Path(d) / n, key_file)])
            elif src.is_file() and not _is_key_file(src, key_file):
                (root / "home").mkdir(exist_ok=True)
                shutil.copy2(src, root / "home" / item)
        files = {str(p.relative_to(root)): {"sha256": _sha256(p), "size": p.stat().st_size}
                 for p in sorted(root.rglob("*")) if p.is_file()}
        manifest = {"format": FORMAT, "tocsin_version": __version__,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "database": database, "files": files,
                    "evidence_keys": sealed_with}
        (root / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
        partial = Path(tmp) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(root / "manifest.json", arcname="manifest.json")
            for name in files:
                tar.add(root / name, arcname=name, recursive=False)
        os.chmod(partial, 0o600)
        os.replace(partial, out)
    return manifest


def _is_key_file(path: Path, key_file: Path) -> bool:
    """Whether ``path`` is the key file (or a copy of one): never put in an archive."""
    from tocsin import vault

    try:
        if path.resolve() == key_file:
            return True
        if path.is_file() and path.stat().st_size < 1 << 16:
            return f'"{vault.FORMAT}"'.encode() in path.read_bytes()
    except OSError:
        return False
    return False


def _check_keys(manifest: dict, home: Path) -> None:
    """Refuse a restore whose home's key file cannot open the archive's evidence."""
    from tocsin import vault

    needed = manifest.get("evidence_keys") or []
    if not needed:
        return
    path = vault.key_path(home)
    ring = vault.load(home, required=False, create_missing=False)
    have = set(ring.keys) if ring is not None else set()
    missing = [k for k in needed if k not in have]
    if not missing:
        return
    where = (f"the key file {path} does not exist" if ring is None else
             f"the key file {path} holds {', '.join(sorted(have))}")
    raise InputError(Problem(str(home), (
        f"the backup's evidence is sealed with key {', '.join(missing)} and {where}: put the "
        "key file kept apart from the backups there (or point TOCSIN_EVIDENCE_KEYS at it) "
        "and restore again; --force restores without it (the sealed evidence stays "
        "unreadable until the key file is there)")))


def _members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    out = {}
    for m in tar.getmembers():
        name = m.name
        if m.issym() or m.islnk() or m.isdev() or name.startswith("/") or ".." in \
                Path(name).parts:
            raise InputError(Problem(tar.name, f"{name!r} is not a file of a Tocsin backup"))
        if m.isfile():
            out[name] = m
    return out


def verify(archive: Path) -> dict:
    """The manifest, once every file of the archive matches it; else ``InputError``
    listing each file that is missing, extra, or not what was written."""
    archive = Path(archive)
    try:
        tar = tarfile.open(archive, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise InputError(Problem(str(archive), f"is not a Tocsin backup (.tar.gz): {exc}")
                         ) from None
    with tar:
        members = _members(tar)
        if "manifest.json" not in members:
            raise InputError(Problem(str(archive), "has no manifest.json: not a Tocsin backup"))
        manifest = json.loads(tar.extractfile(members.pop("manifest.json")).read())
        if manifest.get("format") != FORMAT:
            raise InputError(Problem(str(archive), f"is a {manifest.get('format')!r} archive; "
                                                   f"expected {FORMAT}"))
        problems = []
        for name, want in manifest["files"].items():
            m = members.pop(name, None)
            if m is None:
                problems.append(Problem(str(archive), f"{name}: missing"))
                continue
            h = hashlib.sha256()
            with tar.extractfile(m) as f:
                for chunk in iter(lambda f=f: f.read(1 << 20), b""):
                    h.update(chunk)
            if h.hexdigest() != want["sha256"] or m.size != want["size"]:
                problems.append(Problem(str(archive), f"{name}: differs from the manifest "
                                                      "(damaged or altered)"))
        problems += [Problem(str(archive), f"{name}: not in the manifest") for name in members]
    if problems:
        raise InputError(problems)
    return manifest


def restore(archive: Path, home: Path, force: bool = False) -> dict:
    """Restore ``archive`` into ``home``; Django must be set up for ``home`` afterwards
    (``tocsin.web.setup``), which migrates. Returns the manifest."""
    manifest = verify(archive)
    home = Path(home)
    occupied = [p.name for p in home.iterdir()] if home.is_dir() else []
    occupied = [n for n in occupied if n not in ("static", KEYS_DIR)]
    if occupied and not force:
        raise InputError(Problem(str(home), "is not empty (it holds "
                                            f"{', '.join(sorted(occupied)[:5])}); restore into "
                                            "a new home, or give --force to replace it"))
    if not force:
        _check_keys(manifest, home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=home))
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(staging, filter="data")
        db = manifest["database"]
        # The database first: if it cannot be loaded, nothing of the home has changed.
        commit_database = _load_database(staging / db["file"], db["engine"], home)
        for part in ("events", "warning", "uploads"):
            if (staging / part).exists():
                shutil.rmtree(home / part, ignore_errors=True)
                os.replace(staging / part, home / part)
        for item in CONFIG_ITEMS:
            src = staging / "home" / item
            if src.exists():
                target = home / item
                if target.is_dir():
                    shutil.rmtree(target)
                os.replace(src, target)
        commit_database()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _load_database(path: Path, engine: str, home: Path):
    """Load the database copy; return what completes it (SQLite: the rename into place)."""
    from tocsin.web.config import database

    target = database(home)
    kind = "sqlite" if target["ENGINE"].endswith("sqlite3") else "postgresql"
    if kind != engine:
        raise InputError(Problem(str(path), f"the backup holds a {engine} database; this "
                                            f"home's site uses {kind} (TOCSIN_DATABASE_URL)"))
    if kind == "sqlite":
        tmp = Path(target["NAME"]).with_suffix(".restoring")
        shutil.copyfile(path, tmp)
        return lambda: os.replace(tmp, target["NAME"])
    env = {**os.environ, "PGPASSWORD": target.get("PASSWORD") or ""}
    cmd = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
           "--single-transaction", "-h", target.get("HOST") or "localhost",
           "-p", str(target.get("PORT") or 5432), "-U", target.get("USER") or "",
           "-d", target["NAME"], str(path)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise InputError(Problem("TOCSIN_DATABASE_URL", f"pg_restore failed: "
                                                        f"{r.stderr.strip()[:300]}"))
    return lambda: None


def summary(manifest: dict) -> str:
    files = manifest["files"]
    size = sum(f["size"] for f in files.values())
    parts = sorted({name.split("/", 1)[0] for name in files})
    keys = manifest.get("evidence_keys") or []
    sealed = (f", evidence sealed with key {', '.join(keys)} (restoring needs the key file)"
              if keys else "")
    return (f"{len(files)} files, {size / 2**20:.1f} MB ({', '.join(parts)}), database "
            f"{manifest['database']['engine']}, Tocsin {manifest['tocsin_version']}, "
            f"made {manifest['created_at']}{sealed}")

