"""Assessments the caller may read, one with its document, and evidence added to an
indicator (members of a draft, into their own entry)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Path, Query, Router

from tocsin.errors import InputError
from tocsin.web import policy
from tocsin.web.api.params import ISO3, MAX_ID, checked_country
from tocsin.web.api.schemas import (
    AssessmentDetail,
    AssessmentOut,
    EvidenceIn,
    EvidenceOut,
    Problem,
)

router = Router(tags=["assessments"])


def _assessment_dict(a) -> dict:
    from tocsin.web.countries.data import assessment_level

    lv = assessment_level(a)
    return {"id": a.pk, "country": a.country, "title": a.title, "framework": a.framework_id,
            "status": a.status, "version": a.version, "level": lv["level"],
            "score": lv["score"], "provisional": lv["provisional"], "updated_at": a.updated_at}


def _visible(request, pk):
    from tocsin.web.assessments.models import Assessment

    a = Assessment.objects.filter(pk=pk).first()
    if a is None or not policy.can_view(request.user, a):
        raise Http404  # as the pages: another country's assessment does not exist for you
    return a


def _document(user, a) -> tuple[dict, bool]:
    from tocsin.web.assessments import convert

    sees_all = policy.can_see_all_evidence(user, a)
    return convert.to_model(a, include_sensitive=sees_all).model_dump(mode="json"), sees_all


@router.get("/assessments", response=list[AssessmentOut], url_name="assessments")
def list_assessments(request, country: str | None = Query(None, pattern=ISO3)):
    """The assessments the caller may read."""
    qs = policy.visible_assessments(request.user).order_by("country", "-version", "id")
    if country:
        qs = qs.filter(country=checked_country(country))
    return [_assessment_dict(a) for a in qs]


@router.get("/assessments/{assessment_id}", response=AssessmentDetail, url_name="assessment")
def get_assessment(request, assessment_id: int = Path(..., ge=1, le=MAX_ID)):
    """One assessment with its document (the assessment file as JSON). Sensitive evidence
    is included only for the assessment's owners."""
    a = _visible(request, assessment_id)
    doc, sees_all = _document(request.user, a)
    return {**_assessment_dict(a), "sensitive_evidence_included": sees_all, "document": doc}


@router.post("/assessments/{assessment_id}/indicators/{indicator}/evidence",
             response={201: EvidenceOut, 400: Problem, 403: Problem},
             url_name="assessment_evidence")
def add_evidence(request, payload: EvidenceIn, assessment_id: int = Path(..., ge=1, le=MAX_ID),
                 indicator: str = Path(..., max_length=64)):
    """Add evidence to an indicator in the caller's own entry (members of a draft
    assessment, as the assessment page's "add evidence")."""
    from tocsin.assessment.model import Evidence as EvidenceModel
    from tocsin.web.assessments import evidence

    a = _visible(request, assessment_id)
    entry = policy.entry_for(request.user, a)
    if not policy.can_contribute(request.user, a, entry):
        raise PermissionDenied
    try:
        item = evidence.rated_item(a, "indicator", indicator, f"assessment {a.pk}")
    except InputError as exc:
        return 400, {"detail": exc.problems[0].message}
    try:
        data = EvidenceModel(**payload.dict()).model_dump(mode="json", exclude_none=True)
    except ValueError as exc:
        return 400, {"detail": str(exc)}
    ev = evidence.add(entry, "indicator", item, data, request.user)
    return 201, {"id": ev.pk, "assessment": a.pk, "kind": "indicator", "item": item,
                 "data": ev.data}
