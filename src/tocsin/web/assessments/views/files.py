"""What an assessment gives to take away: its file (owners only, sensitive evidence
included), its signed versions, and its reports (HTML, PDF)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tocsin.web import policy
from tocsin.web.assessments import convert
from tocsin.web.assessments.models import Version
from tocsin.web.assessments.views.common import assessment_for, download, slug

YAML = "application/yaml; charset=utf-8"


@login_required
@require_GET
def export(request, pk):
    """The whole file, sensitive evidence included: owners only."""
    from tocsin.assessment.io import dump_assessment

    a = assessment_for(request, pk, need="manage")
    return download(dump_assessment(convert.to_model(a)), YAML, f"{slug(a)}.yaml")


@login_required
@require_GET
def version_file(request, pk, number):
    a = assessment_for(request, pk, need="manage")
    v = get_object_or_404(Version, assessment=a, number=number)
    return download(v.text, YAML, f"tocsin-{a.country}-v{v.number}-signed.yaml")


@login_required
@require_GET
def report(request, pk, fmt):
    if fmt not in ("html", "pdf"):
        raise Http404
    a = assessment_for(request, pk)
    include = (policy.can_see_all_evidence(request.user, a)
               and request.GET.get("sensitive") == "1")
    model = convert.to_model(a, include_sensitive=include)
    fw = convert.framework(a.framework_id)
    try:
        from tocsin.reports import assessment as reports
    except ImportError:
        return HttpResponse(_("Reports are not available in this installation."), status=503,
                            content_type="text/plain")
    if fmt == "pdf":
        body = reports.render_pdf(model, fw, include_sensitive=include)
        return download(body, "application/pdf", f"{slug(a)}.pdf")
    body = reports.render_html(model, fw, include_sensitive=include)
    return download(body, "text/html; charset=utf-8", f"{slug(a)}.html")
