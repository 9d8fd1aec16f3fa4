"""The early-warning bulletin of a country for a week or a month (``?period=2021-03``
or ``2021-W09``; the latest month with an alert by default), as the same
self-contained HTML as ``tocsin warn bulletin`` or, with ``?format=pdf``, its PDF. Any
signed-in user reads it; its assessment part shows only what the reader may see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from tocsin import countries as country_codes
from tocsin.errors import InputError


@login_required
@require_GET
def bulletin(request, iso3):
    from tocsin.reports import bulletin as report
    from tocsin.web.alerts.bulletin import gather
    from tocsin.web.alerts.models import Alert

    iso3 = iso3.upper()
    if not country_codes.is_known(iso3):
        raise Http404
    text = request.GET.get("period", "")
    if not text:
        last = (Alert.objects.filter(country=iso3, baseline=False).order_by("-week")
                .values_list("week", flat=True).first())
        text = last.strftime("%Y-%m") if last else ""
    try:
        period = report.Period.parse(text, "period")
    except InputError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    data = gather([iso3], period, user=request.user)
    name = f"tocsin-bulletin-{iso3}-{period.code}"
    if request.GET.get("format") == "pdf":
        resp = HttpResponse(report.render_pdf(data), content_type="application/pdf")
        resp["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return resp
    return HttpResponse(report.render_html(data), content_type="text/html; charset=utf-8")
