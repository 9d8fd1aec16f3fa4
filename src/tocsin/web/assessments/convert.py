"""Database rows <-> the assessment library's ``Assessment`` model. The only place
that knows both; scoring, gap analysis and reports are the library's.

Lossless: an assessment's ``document`` keeps every top-level field but the
assessors; an entry's ``extra`` keeps every assessor field but the ratings; a
rating's ``data`` is the library's rating without evidence; an evidence row's
``data`` is the library's ``Evidence``. Order is kept in ``position`` columns.
"""

from __future__ import annotations

from functools import lru_cache

from django.db import transaction

from tocsin.assessment.model import (
    Assessment as AssessmentModel,
)
from tocsin.assessment.model import (
    Evidence as EvidenceModel,
)
from tocsin.assessment.model import (
    IndicatorRating,
    MeasureRating,
    TriggerObservation,
)
from tocsin.web.assessments.models import Assessment, AssessorEntry, Evidence, Rating

SECTIONS = {"indicator": "indicators", "measure": "measures", "trigger": "triggers"}
RATING_MODELS = {"indicator": IndicatorRating, "measure": MeasureRating,
                 "trigger": TriggerObservation}
ASSESSOR_OWN = {"id", "name", "affiliation", "indicators", "measures", "triggers"}


@lru_cache(maxsize=16)
def framework(framework_id: str):
    from tocsin.framework import load_framework

    return load_framework(framework_id)


def to_model(row: Assessment, include_sensitive: bool = True) -> AssessmentModel:
    """The assessment as the library's model (validated). Without ``include_sensitive``
    sensitive evidence is dropped, so nothing derived from it can leak; with it, its
    sealed fields are opened (``models.SealedEvidenceData``): only here and where the
    pages show evidence a reader may see."""
    entries = list(row.assessors.all())
    evidence: dict[int, list[dict]] = {}
    field = Evidence._meta.get_field("data")
    for rating_id, data in (Evidence.objects.filter(rating__entry__assessment=row)
                            .order_by("position", "id").values_list("rating_id", "data")):
        if data.get("sensitive"):
            if not include_sensitive:
                continue
            if field.is_sealed(data):
                data = field.open_value(data)
        evidence.setdefault(rating_id, []).append(data)
    by_entry: dict[int, dict[str, dict]] = {e.pk: {s: {} for s in SECTIONS.values()}
                                            for e in entries}
    for pk, entry_id, kind, item, data in (
            Rating.objects.filter(entry__assessment=row).order_by("entry_id", "position", "id")
            .values_list("pk", "entry_id", "kind", "item", "data")):
        by_entry[entry_id][SECTIONS[kind]][item] = {**data, "evidence": evidence.get(pk, [])}
    assessors = [{"id": e.key, "name": e.name, "affiliation": e.affiliation, **e.extra,
                  **by_entry[e.pk]} for e in entries]
    data = {**row.document, "status": row.status, "assessors": assessors}
    if row.title and not data.get("title"):
        data["title"] = row.title
    return AssessmentModel.model_validate(data)


@transaction.atomic
def from_model(a: AssessmentModel, created_by=None, status: str | None = None,
               version: int = 1, previous=None, carry=None) -> Assessment:
    """Store a library assessment as new rows, with the file's status unless ``status``
    says otherwise; one audit event stands for the bulk rows.

    ``carry`` (a revision): ``{(assessor id, kind, item): [Evidence rows]}`` of the
    assessment ``a`` was read from, in the order of its evidence; each new evidence row
    gets its original's document (copied), file name, type and who added it
    (``Evidence.carry_from``)."""
    from tocsin.web.audit.log import record

    document = a.model_dump(mode="json", exclude={"assessors"})
    title = a.title or f"National assessment {a.country} {a.period.start.year}"
    row = Assessment.objects.create(
        country=a.country, framework_id=a.framework, title=title[:300],
        status=status or a.status, version=version, previous=previous,
        document=document, created_by=created_by)
    n_ratings = n_evidence = 0
    for pos, assessor in enumerate(a.assessors):
        extra = assessor.model_dump(mode="json", exclude=ASSESSOR_OWN)
        entry = AssessorEntry.objects.create(
            assessment=row, key=assessor.id, name=assessor.name,
            affiliation=assessor.affiliation, extra=extra, position=pos)
        ratings, evidence = [], []
        for kind, section in SECTIONS.items():
            for rpos, (item, rating) in enumerate(getattr(assessor, section).items()):
                r = Rating(entry=entry, kind=kind, item=item, position=rpos,
                           data=rating.model_dump(mode="json", exclude={"evidence"}))
                ratings.append(r)
                evidence.append(rating.evidence)
        # Bulk inserts send no signals: the import is audited once, below, with counts.
        Rating.objects.bulk_create(ratings)
        rows = [Evidence(rating=r, data=ev.model_dump(mode="json"), position=epos)
                for r, evs in zip(ratings, evidence, strict=True)
                for epos, ev in enumerate(evs)]
        if carry:
            for ev in rows:
                olds = carry.get((assessor.id, ev.rating.kind, ev.rating.item), [])
                if ev.position < len(olds):
                    ev.carry_from(olds[ev.position])
        Evidence.objects.bulk_create(rows)
        n_ratings += len(ratings)
        n_evidence += len(rows)
    record("create", row, object_type="assessment-import", after={"assessors": len(a.assessors),
                                 "ratings": n_ratings, "evidence": n_evidence,
                                 "status": row.status, "version": row.version})
    return row


def rating_model(kind: str, data: dict):
    return RATING_MODELS[kind].model_validate({**data, "evidence": []})


def evidence_model(data: dict) -> EvidenceModel:
    return EvidenceModel.model_validate(data)
