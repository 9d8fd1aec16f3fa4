"""The audit log's hash chain: every entry is bound to the one before, so an entry
edited, deleted or inserted behind Tocsin's back (straight in the database) is found.

Entry ``n`` holds ``seq = n``, ``prev_hash`` (entry ``n-1``'s hash; ``GENESIS`` for the
first) and ``hash`` = HMAC-SHA256 over its canonical JSON (every column but the id,
``prev_hash`` included), keyed with the audit key of the key file (``tocsin.vault``):
someone who can write the database but has not the key file cannot recompute a hash.

``append`` writes an entry and its link in the caller's transaction, holding the chain
head's row lock (an UPDATE first, so on SQLite the write lock too): two writers never
take the same place. The hash is computed over the row as the database gives it back,
so what ``verify`` reads later hashes the same on SQLite and PostgreSQL alike.

Truncating the newest entries together with the head cannot be told from a shorter
log by the database alone: keep the head that ``tocsin audit verify`` prints (e.g. in
monitoring) to compare later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC

from django.db import IntegrityError, models, transaction

GENESIS = "0" * 64
FIELDS = ("at", "actor_id", "actor_name", "action", "object_type", "object_id",
          "assessment_id", "country", "before", "after", "address", "seq", "prev_hash")
HEAD = 1


def _keyring():
    from tocsin.web.assessments.models import keyring

    return keyring()


def canonical(row: dict) -> bytes:
    """The bytes an entry's hash covers: its columns (as read from the database) as
    JSON with sorted keys, times in UTC to the microsecond."""
    out = {}
    for name in FIELDS:
        v = row.get(name)
        if name == "at" and v is not None:
            v = v.astimezone(UTC).isoformat(timespec="microseconds")
        out[name] = v
    return json.dumps(out, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def entry_hash(ring, row: dict) -> str:
    return ring.audit_mac(canonical(row))


def _raw_update(qs, **values) -> int:
    """An UPDATE of audit rows that only ever chains them (the manager refuses
    updates; the PostgreSQL trigger lets exactly this through)."""
    return models.QuerySet.update(qs, **values)


def _head(Head, AuditEvent):
    """The chain head, locked for this transaction. An UPDATE comes first: it takes the
    row lock (PostgreSQL) and the database's write lock (SQLite) before anything is
    read, so a second writer waits here and then reads the head the first one left."""
    if Head.objects.filter(pk=HEAD).update(seq=models.F("seq")) == 0:
        last = (AuditEvent.objects.exclude(seq=None).order_by("-seq")
                .values("seq", "hash").first())
        try:
            with transaction.atomic():
                Head.objects.create(pk=HEAD, seq=last["seq"] if last else 0,
                                    hash=last["hash"] if last else GENESIS)
        except IntegrityError:  # another writer made it meanwhile
            pass
        Head.objects.filter(pk=HEAD).update(seq=models.F("seq"))
    return Head.objects.select_for_update().get(pk=HEAD)


def _link(ring, AuditEvent, pk: int, seq: int, prev: str) -> str:
    """Give the row ``pk`` its place ``seq`` after ``prev``; return its hash."""
    qs = AuditEvent.objects.filter(pk=pk)
    _raw_update(qs, seq=seq, prev_hash=prev)
    row = qs.values(*FIELDS).get()
    h = entry_hash(ring, row)
    _raw_update(qs, hash=h)
    return h


def _catch_up(ring, head, AuditEvent) -> None:
    """Chain the entries written before the chain had a key (ids up to
    ``head.legacy_until``), oldest first; later unchained rows are never adopted."""
    if not head.legacy_until:
        return
    ids = list(AuditEvent.objects.filter(seq=None, pk__lte=head.legacy_until)
               .order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        head.seq += 1
        head.hash = _link(ring, AuditEvent, pk, head.seq, head.hash or GENESIS)
    head.legacy_until = 0


def append(**columns):
    """Insert an audit entry with ``columns`` as the chain's next link, in the
    caller's transaction; returns it."""
    from tocsin.web.audit.models import AuditEvent, ChainHead

    ring = _keyring()
    with transaction.atomic():
        head = _head(ChainHead, AuditEvent)
        _catch_up(ring, head, AuditEvent)
        event = AuditEvent.objects.create(**columns)
        head.seq += 1
        head.hash = _link(ring, AuditEvent, event.pk, head.seq, head.hash or GENESIS)
        ChainHead.objects.filter(pk=HEAD).update(seq=head.seq, hash=head.hash,
                                                  legacy_until=head.legacy_until)
    return event


def chain_existing(apps, ring) -> int:
    """Chain every unchained entry in id order (the migration that starts the chain);
    returns how many. Without a key (``ring`` None) the entries are left for the first
    write that has one."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    Head = apps.get_model("audit", "ChainHead")
    last_id = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    head, _ = Head.objects.get_or_create(pk=HEAD, defaults={"seq": 0, "hash": GENESIS})
    if ring is None:
        head.legacy_until = last_id
        head.save()
        return 0
    head.legacy_until = last_id
    n = AuditEvent.objects.filter(seq=None, pk__lte=last_id).count()
    _catch_up(ring, head, AuditEvent)
    head.save()
    return n


@dataclass
class Finding:
    id: int | None
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"entry #{self.id}" if self.id is not None else "the chain"
        if self.seq is not None:
            where += f" (seq {self.seq})"
        return f"{where}: {self.problem}"


@dataclass
class Report:
    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings


def verify(ring=None, limit: int = 50) -> Report:
    """Check the whole chain: numbers without a gap from 1, each link to the entry
    before, each entry's hash, the head; and that no entry is outside the chain.
    Findings in order, the first broken entry first."""
    from tocsin.web.audit.models import AuditEvent, ChainHead

    ring = ring or _keyring()
    report = Report()
    head = ChainHead.objects.filter(pk=HEAD).first()
    legacy = head.legacy_until if head else 0
    expected, prev = 1, GENESIS

    def found(row, problem):
        if len(report.findings) < limit:
            report.findings.append(Finding(row.get("id"), row.get("seq"), problem))

    for row in (AuditEvent.objects.exclude(seq=None).order_by("seq")
                .values("id", *FIELDS, "hash").iterator(chunk_size=2000)):
        report.entries += 1
        if row["seq"] != expected:
            missing = (f"entry {expected}" if row["seq"] == expected + 1
                       else f"entries {expected} to {row['seq'] - 1}")
            found(row, f"{missing} of the chain are gone (deleted)")
        elif row["prev_hash"] != prev:
            found(row, "its link to the entry before does not match (altered)")
        if entry_hash(ring, row) != row["hash"]:
            found(row, "its content does not match its hash (altered)")
        expected, prev = row["seq"] + 1, row["hash"]
    last_seq = expected - 1
    for row in (AuditEvent.objects.filter(seq=None).order_by("id")
                .values("id", "seq").iterator(chunk_size=2000)):
        report.entries += 1
        if row["id"] <= legacy:
            found(row, "not chained yet (written before the chain had a key; the next "
                       "write chains it)")
        else:
            found(row, "is not in the chain (inserted behind Tocsin's back)")
    if head is None:
        if last_seq:
            report.findings.append(Finding(None, None, "the chain head is gone"))
    else:
        report.head_seq, report.head_hash = head.seq, head.hash or GENESIS
        if head.seq != last_seq or (head.hash or GENESIS) != prev:
            gone = head.seq - last_seq
            report.findings.append(Finding(None, head.seq, (
                f"the newest {gone} entr{'y' if gone == 1 else 'ies'} of the chain are "
                "gone (deleted)") if gone > 0 else "the chain head does not match the "
                                                   "last entry (altered)"))
    return report
