"""Evidence added to a rating: the one way a piece of evidence is written, whether it
comes from the rating page, the API or an alert used as evidence.

Evidence belongs to one assessor's rating of one item. An assessor who has not rated
the item yet gets an empty rating ("unknown"), so that evidence can come before the
judgement it supports.
"""

from __future__ import annotations

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
