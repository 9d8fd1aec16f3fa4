"""Evidence added to a rating: the one way a piece of evidence is written, whether it
comes from the rating page, the API or an alert used as evidence.

Evidence belongs to one assessor's rating of one item. An assessor who has not rated
the item yet gets an empty rating ("unknown"), so that evidence can come before the
judgement it supports.

Sensitive evidence and every document are sealed at rest by the model's fields
(``models.py``, ``tocsin.vault``); ``reseal`` brings everything stored onto the key
file's primary key (a key rotation, evidence stored before encryption), and ``usage``
tells which key seals what.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from django.db import transaction

from tocsin.errors import InputError, Problem
from tocsin.web.assessments import convert
from tocsin.web.assessments.models import Assessment, Evidence, Rating


def item_of(fw, kind: str, ref: str) -> tuple[str, object, str]:
    """(id inside ``fw``, the framework item, its title) of the item of ``kind``
    (indicator, measure, trigger) that ``ref`` names, bare ("7.8") or with its document
    ("un-foa-2014:7.8", resolved by the framework: a document it is based on will do).
    KeyError if ``fw`` has no such item."""
    bare = fw.own(ref)
    if bare is None:
        raise KeyError(ref)
    if kind == "indicator":
        it = fw.indicators[bare]
        return bare, it, it.text
    if kind == "measure":
        it = fw.measure(bare)
        return bare, it, it.name
    if kind == "trigger":
        it = fw.trigger(bare)
        return bare, it, it.name
    raise KeyError(kind)


def rated_item(assessment, kind: str, ref: str, where: str) -> str:
    """The id inside the assessment's framework of the item ``ref`` names; else
    ``InputError`` naming ``where`` (an alert, an API request)."""
    fw = convert.framework(assessment.framework_id)
    if fw.own(ref) is None:
        raise InputError(Problem(where, f"{kind} {ref!r} is not of {assessment.framework_id}"))
    try:
        return item_of(fw, kind, ref)[0]
    except KeyError:
        raise InputError(Problem(where, f"no {kind} {ref!r} in {assessment.framework_id}")
                         ) from None


def empty_rating(kind: str) -> dict:
    """The ``data`` of a rating that says nothing yet (level, status ... unknown)."""
    return convert.rating_model(kind, {}).model_dump(mode="json", exclude={"evidence"},
                                                     exclude_none=True)


def add(entry, kind: str, item: str, data: dict, user, document=None,
        content_type: str = "") -> Evidence:
    """Append evidence ``data`` (the library's ``Evidence`` as JSON, validated by the
    caller) to ``entry``'s rating of ``item`` (its id in the framework), with ``document``
    (an uploaded file, of ``content_type`` as checked at upload) if given. Permission is
    the caller's to check (``policy.can_contribute``). The assessment is marked changed
    (``Assessment.touch``). Returns the saved row."""
    with transaction.atomic():
        rating, _created = Rating.objects.get_or_create(
            entry=entry, kind=kind, item=item,
            defaults={"data": empty_rating(kind),
                      "position": entry.ratings.filter(kind=kind).count()})
        ev = Evidence(rating=rating, data=data, added_by=user, position=rating.evidence.count())
        if document:
            ev.filename = document.name[-200:]
            ev.content_type = content_type
            ev.document.save("upload", document, save=False)
        ev.save()
        Assessment.touch(entry.assessment_id)
    return ev


def remove(ev: Evidence) -> None:
    """Delete evidence ``ev`` and, once the deletion is committed, its document; the
    assessment is marked changed. Permission is the caller's to check
    (``policy.can_change_evidence``)."""
    with transaction.atomic():
        assessment_id = ev.rating.entry.assessment_id
        name, storage = ev.document.name, ev.document.storage
        ev.delete()
        Assessment.touch(assessment_id)
        if name:  # the file goes only once the row is gone for good
            transaction.on_commit(lambda: storage.delete(name))


# --- sealing what is stored: key rotation, evidence from before encryption ------------
BATCH = 200


def _documents(root: Path):
    folder = root / "evidence"
    if not folder.is_dir():
        return
    for dirpath, _dirs, files in os.walk(folder):
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(dirpath) / name


def _file_key(path: Path) -> str | None:
    from tocsin import vault

    with path.open("rb") as fh:
        return vault.key_id_of(fh.read(300))


def _reseal_file(ring, path: Path) -> bool:
    """Seal the file at ``path`` with the primary key, in place and atomically (a new
    file, synced, renamed over the old: a crash leaves one or the other, both
    readable). False if it is gone (removed meanwhile)."""
    from tocsin.web.assessments.models import SealedStorage

    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return False
    sealed = ring.seal(ring.open(blob, SealedStorage.purpose), SealedStorage.purpose)
    tmp = path.with_name(f".{path.name}.reseal")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(sealed)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return True


def _rows(models_, ring):
    """(model, pk, {column: sealed value}) for each row not sealed with the primary
    key: sensitive evidence's data and file name, signed versions' text."""
    EvidenceM, VersionM = models_
    data_f = EvidenceM._meta.get_field("data")
    name_f = EvidenceM._meta.get_field("filename")
    text_f = VersionM._meta.get_field("text")
    for pk, data, name in (EvidenceM.objects.filter(data__sensitive=True).order_by("pk")
                           .values_list("pk", "data", "filename")):
        yield EvidenceM, pk, {"data": (data_f, data), "filename": (name_f, name)}
    for pk, text in VersionM.objects.order_by("pk").values_list("pk", "text"):
        yield VersionM, pk, {"text": (text_f, text)}


def _key_of(_field, value) -> str | None:
    from tocsin import vault

    if isinstance(value, dict):
        return vault.key_id_of(value.get("sealed", "")) if "sealed" in value else None
    return vault.key_id_of(value or "")


def _resealed(field, value, ring):
    """``value`` (as stored) sealed with the primary key; unchanged if it already is
    or if there is nothing to seal."""
    from tocsin import vault

    if isinstance(value, dict):
        if "sealed" in value:
            if vault.key_id_of(value["sealed"]) == ring.primary:
                return value
            value = field.open_value(value, ring)
        return field.seal_value(value, ring)
    if not value:
        return value
    if vault.key_id_of(value) == ring.primary:
        return value
    return ring.seal_text(ring.open_text(value, field.purpose), field.purpose)


def usage(ring=None, models_=None, root: Path | None = None) -> dict:
    """How many stored values each key seals ({"rows": {key: n}, "documents": {...}});
    ``None`` counts sensitive values and documents not sealed at all."""
    from django.conf import settings

    models_ = models_ or (Evidence, _version())
    root = Path(root or settings.MEDIA_ROOT)
    rows, docs = Counter(), Counter()
    for _model, _pk, cols in _rows(models_, ring):
        for name, (field, value) in cols.items():
            if name == "filename" and not value:
                continue
            rows[_key_of(field, value)] += 1
    for path in _documents(root):
        try:
            docs[_file_key(path)] += 1
        except FileNotFoundError:
            pass
    return {"rows": dict(rows), "documents": dict(docs)}


def _version():
    from tocsin.web.assessments.models import Version

    return Version


def reseal(ring, models_=None, root: Path | None = None, echo=None) -> dict:
    """Seal every sensitive value and every document with ``ring``'s primary key, in
    batches each committed on its own, files replaced atomically one by one: a crash
    loses nothing, and running it again goes on where it stopped (what is already on
    the primary key is skipped). Rows are updated without signals (what they hold has
    not changed); the caller audits the whole. Returns the counts resealed."""
    from django.conf import settings

    models_ = models_ or (Evidence, _version())
    root = Path(root or settings.MEDIA_ROOT)
    done = Counter()
    pending = []

    def flush():
        with transaction.atomic():
            for model, pk, cols in pending:
                locked = model.objects.select_for_update().filter(pk=pk).values(*cols).first()
                if locked is None:
                    continue  # deleted meanwhile
                new = {}
                for name, (field, _old) in cols.items():
                    value = _resealed(field, locked[name], ring)
                    if value != locked[name]:
                        new[name] = value
                if new:
                    model.objects.filter(pk=pk).update(**new)
                    done[model._meta.model_name] += 1
        pending.clear()
        if echo:
            echo(f"  {sum(done.values())} rows sealed with key {ring.primary}")

    for model, pk, cols in _rows(models_, ring):
        if all(_key_of(f, v) == ring.primary or (n == "filename" and not v)
               for n, (f, v) in cols.items()):
            continue
        pending.append((model, pk, cols))
        if len(pending) >= BATCH:
            flush()
    if pending:
        flush()
    for path in _documents(root):
        try:
            if _file_key(path) == ring.primary:
                continue
        except FileNotFoundError:
            continue
        if _reseal_file(ring, path):
            done["document"] += 1
    return dict(done)
