"""An assessment's page (scores, divergence, workflow, downloads, progress), its score
panel alone, and its gap analysis."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tocsin.web import policy
from tocsin.web.assessments.models import STATUSES, Assessment
from tocsin.web.assessments.views.common import assessment_for, scorecard


def _progress(a: Assessment, fw):
    totals = {"indicator": len(fw.indicators), "measure": len(fw.resilience_measures),
              "trigger": len(fw.triggers)}
    rows = []
    for e in a.assessors.all():
        done = {k: 0 for k in totals}
        for r in e.ratings.all():
            d = r.data
            rated = {"indicator": d.get("level", "unknown") != "unknown",
                     "measure": d.get("status", "unknown") != "unknown",
                     "trigger": d.get("observed") is not None}[r.kind]
            done[r.kind] += rated
        cells = [{"kind": k, "done": done[k], "total": totals[k],
                  "pct": round(100 * done[k] / totals[k]) if totals[k] else 0} for k in totals]
        rows.append({"entry": e, "cells": cells})
    return rows


@login_required
@require_GET
def detail(request, pk):
    a = assessment_for(request, pk)
    _model, fw, card = scorecard(a)
    return render(request, "assessments/detail.html", {
        "a": a, "card": card, "fw": fw, "progress": _progress(a, fw),
        "owner": policy.is_owner(request.user, a),
        "entry": policy.entry_for(request.user, a),
        "versions": a.versions.all(),
        "flow": list(STATUSES.items()),
    })


@login_required
@require_GET
def scores(request, pk):
    """The score panel alone, for HTMX to refresh after a rating."""
    a = assessment_for(request, pk)
    _model, _fw, card = scorecard(a)
    return render(request, "assessments/_scores.html", {"a": a, "card": card})


@login_required
@require_GET
def gaps(request, pk):
    from tocsin.assessment.gaps import GAP_RESILIENCE, GAP_RISK

    a = assessment_for(request, pk)
    _model, _fw, card = scorecard(a)
    return render(request, "assessments/gaps.html", {
        "a": a, "card": card, "gap_risk": f"{GAP_RISK:g}", "gap_resilience": f"{GAP_RESILIENCE:g}",
        "drivers": card.overall.drivers})
