"""What the assessment pages share: the assessment a request may see, its scores, and
the answer of a download."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404

from tocsin.web import policy
from tocsin.web.assessments import convert
from tocsin.web.assessments.models import Assessment


def assessment_for(request, pk, need="view") -> Assessment:
    """The assessment ``pk`` if the user may ``view`` (or ``manage``) it; else 404."""
    a = get_object_or_404(Assessment, pk=pk)
    ok = {"view": policy.can_view, "manage": policy.can_manage}[need](request.user, a)
    if not ok:
        # 404, not 403: it says nothing about the content, and also hides whether the
        # assessment exists.
        raise Http404
    return a


def scorecard(a: Assessment):
    """(the library's model of ``a``, its framework, its scores)."""
    from tocsin.assessment.scoring import score

    model = convert.to_model(a)
    fw = convert.framework(a.framework_id)
    return model, fw, score(model, fw)


def download(body, content_type: str, filename: str) -> HttpResponse:
    resp = HttpResponse(body, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp["Cache-Control"] = "private, no-store"
    return resp


def slug(a: Assessment) -> str:
    """The start of a downloaded file's name."""
    return f"tocsin-{a.country}-v{a.version}-{a.pk}"
