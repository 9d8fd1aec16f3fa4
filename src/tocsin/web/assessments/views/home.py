"""The list of assessments, a new assessment from a framework, an imported file."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tocsin.assessment import workflow
from tocsin.errors import InputError
from tocsin.web import policy
from tocsin.web.assessments import convert
from tocsin.web.assessments.forms import ImportForm, NewAssessmentForm
from tocsin.web.assessments.models import Version

DEFAULT_FRAMEWORK = "un-foa-2014"  # the new-assessment form's choice unless changed


@login_required
@require_GET
def home(request):
    rows = policy.visible_assessments(request.user).order_by("country", "-version")
    return render(request, "assessments/home.html", {
        "assessments": rows,
        "can_create": bool(policy.countries_to_assess(request.user)),
    })


@login_required
def new(request):
    from tocsin.assessment.io import new_assessment
    from tocsin.assessment.model import Assessor
    from tocsin.framework import list_frameworks

    countries = policy.countries_to_assess(request.user)
    if not countries:
        raise PermissionDenied
    frameworks = [(e.id, f"{e.title} ({e.id} {e.version})") for e in list_frameworks()]
    ids = [i for i, _t in frameworks]
    today = dt.date.today()
    form = NewAssessmentForm(request.POST or None, countries=countries, frameworks=frameworks,
                             initial={"period_start": dt.date(today.year - 1, 1, 1),
                                      "period_end": dt.date(today.year - 1, 12, 31),
                                      # The Framework of Analysis is what one assesses with;
                                      # the SG's report adds triggers and measures to it.
                                      "framework": DEFAULT_FRAMEWORK if DEFAULT_FRAMEWORK in ids
                                      else (ids[0] if ids else None)})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        fw = convert.framework(d["framework"])
        user = request.user
        me = Assessor(id=user.username.replace("@", "-")[:64] or "assessor-1",
                      name=user.get_full_name() or user.username, affiliation=d["affiliation"])
        model = new_assessment(fw, d["country"], period=(d["period_start"], d["period_end"]),
                               date=today, assessors=[me])
        model = model.model_copy(update={"title": d["title"]})
        row = convert.from_model(model, created_by=user)
        row.assessors.filter(key=me.id).update(user=user)
        messages.success(request, _("Assessment created. Invite assessors from Members."))
        return redirect("assessments:detail", pk=row.pk)
    return render(request, "assessments/new.html", {"form": form})


@login_required
def import_file(request):
    from tocsin.assessment.io import parse_assessment

    countries = policy.countries_to_assess(request.user)
    if not countries:
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            model = parse_assessment(form.text, request.FILES["file"].name[:100])
        except InputError as exc:
            problems = [str(p) for p in exc.problems[:50]]
        else:
            if model.country not in countries:
                problems = [_("The file is for %(country)s; you are focal point for "
                              "%(mine)s only.") % {"country": model.country,
                                                   "mine": ", ".join(sorted(countries))}]
            else:
                row = convert.from_model(model, created_by=request.user, status=model.status)
                if row.status == workflow.SIGNED:  # signed elsewhere: keep the file as its version
                    text = form.text
                    Version.objects.create(assessment=row, number=row.version, text=text,
                                           sha256=hashlib.sha256(text.encode()).hexdigest(),
                                           signed_by=request.user)
                messages.success(request, _(
                    "Imported %(title)s with %(n)d assessors (%(status)s).") % {
                    "title": row.title, "n": row.assessors.count(),
                    "status": row.get_status_display().lower()})
                return redirect("assessments:detail", pk=row.pk)
    return render(request, "assessments/import.html", {"form": form, "problems": problems})
