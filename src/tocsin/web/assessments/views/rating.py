"""The rating pages (one tab per risk factor, resilience measures, triggers) and the
rating of one item, saved in place by HTMX or by a plain form post."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tocsin.web import policy
from tocsin.web.assessments import convert
from tocsin.web.assessments.evidence import item_of
from tocsin.web.assessments.forms import RATING_FORMS, CommentForm, EvidenceForm, initial_from
from tocsin.web.assessments.models import KINDS, Assessment, Evidence, Rating
from tocsin.web.assessments.views.common import assessment_for, scorecard
from tocsin.web.shell.templatetags.tocsin import dom_id

SECTIONS = ("measures", "triggers")  # the tabs after the risk factors'


def _items(fw, section: str):
    """(kind, list of (id, title, framework item)) for a tab of the rating page."""
    if section == "measures":
        return "measure", [(m.id, m.name, m) for m in fw.resilience_measures]
    if section == "triggers":
        return "trigger", [(t.id, t.name, t) for t in fw.triggers]
    rf = next((r for r in fw.risk_factors if r.id == section), None)
    if rf is None:
        raise Http404
    return "indicator", [(i.id, i.text, i) for i in rf.indicators]


def section_of(kind, item) -> str:
    """The tab of the rating page that shows ``item``."""
    return {"indicator": getattr(item, "risk_factor", None), "measure": "measures",
            "trigger": "triggers"}[kind]


def item_url(a, kind, item_id, item) -> str:
    """The item's place on its rating page."""
    url = reverse("assessments:rate_section", args=[a.pk, section_of(kind, item)])
    return f"{url}#item-{kind}-{dom_id(item_id)}"


def item_context(request, a, entry, kind, item_id, item, title, form=None, ev_form=None):
    rating = None
    if entry is not None:
        rating = entry.ratings.filter(kind=kind, item=item_id).first()
    data = rating.data if rating else {}
    can_rate = policy.can_rate(request.user, a, entry)
    can_contribute = policy.can_contribute(request.user, a, entry)
    if form is None and can_contribute:
        cls = RATING_FORMS[kind] if can_rate else CommentForm
        form = cls(initial=initial_from(kind, data), prefix=f"{kind}-{item_id}")
    # The page is only shown to those who may read the assessment (checked by the
    # caller), so what is left to decide per item is the sensitive evidence; whether
    # the user sees all of it is asked once per request, not for every row.
    if not hasattr(request, "_tocsin_sees_all"):
        request._tocsin_sees_all = policy.can_see_all_evidence(request.user, a)
    qs = Evidence.objects.filter(rating__entry__assessment=a, rating__kind=kind,
                                 rating__item=item_id).select_related("rating__entry")
    shown = [ev for ev in qs if policy.sees_evidence(request.user, ev, request._tocsin_sees_all)]
    ratings = Rating.objects.filter(entry__assessment=a, kind=kind, item=item_id
                                    ).select_related("entry")
    return {"a": a, "kind": kind, "item_id": item_id, "item": item, "title": title,
            "data": data, "form": form, "can_rate": can_rate, "can_contribute": can_contribute,
            "ev_form": ev_form or (EvidenceForm(prefix=f"ev-{kind}-{item_id}")
                                   if can_contribute else None),
            "evidence": shown, "ratings": ratings,
            "max_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)}


@login_required
@require_GET
def rate(request, pk, section=None):
    a = assessment_for(request, pk)
    fw = convert.framework(a.framework_id)
    section = section or fw.risk_factors[0].id
    kind, items = _items(fw, section)
    entry = policy.entry_for(request.user, a)
    _model, _fw, card = scorecard(a)
    tabs = [(rf.id, f"{rf.id} {rf.name}") for rf in fw.risk_factors]
    tabs += [("measures", _("Resilience measures")), ("triggers", _("Triggers"))]
    blocks = [item_context(request, a, entry, kind, i, it, title) for i, title, it in items]
    rf = fw.risk_factor(section) if kind == "indicator" else None
    return render(request, "assessments/rate.html", {
        "a": a, "fw": fw, "section": section, "kind": kind, "tabs": tabs, "blocks": blocks,
        "entry": entry, "card": card, "rf": rf,
        "rf_score": card.risk_factor(section) if rf else None,
        "guide": rating_guidance(fw, rf) if rf else None,
        "guide_open": policy.can_rate(request.user, a, entry),
    })


def rating_guidance(fw, rf) -> dict | None:
    """What the levels mean for the indicators of risk factor ``rf``, with the general
    guidance (unknown, confidence) and whose guidance it is (``source``: in the shipped
    frameworks Tocsin's, not the UN's); None if the framework has none for it."""
    from tocsin.web.shell.labels import VALUE_LABELS

    g = rf.rating_guidance
    if g is None:
        return None
    general = fw.rating_guidance
    source = next((s for s in fw.sources if s.key == g.source), None)
    return {
        "levels": [{"level": n, "name": VALUE_LABELS["level"][str(n)], "text": text}
                   for n, _name, text in g.levels()],
        "note": g.note,
        "unknown": general.unknown if general else None,
        "confidence": ([{"name": VALUE_LABELS["confidence"][c], "text": t}
                        for c, t in general.confidence.levels()] if general else []),
        "confidence_note": general.confidence.note if general else None,
        "source": source, "tocsin": bool(source and source.publisher == "Tocsin"),
    }


def respond_item(request, a, ctx, status=200):
    """The answer to a write to one item: the item again (HTMX), or back to its place on
    the rating page; a refused form on a page of its own."""
    if request.headers.get("HX-Request"):
        # 200 even for a refused form: htmx swaps only 2xx answers, and the errors
        # must be shown in place. Nothing was changed in that case.
        _m, _f, card = scorecard(a)
        ctx = {**ctx, "card": card, "oob": True}
        if ctx["kind"] == "indicator":
            ctx["rf_score"] = card.risk_factor(ctx["item"].risk_factor)
        return render(request, "assessments/_item.html", ctx)
    if status != 200:
        # Show the one item with its errors on a page of its own.
        return render(request, "assessments/item_page.html", ctx, status=status)
    return redirect(item_url(a, ctx["kind"], ctx["item_id"], ctx["item"]))


def contributable_item(request, pk, kind, item_id):
    """The assessment, the user's entry in it and the framework item with its title, for
    a write to one item; 404 for an unknown kind or item, 403 unless the user may
    contribute."""
    a = assessment_for(request, pk)
    if kind not in KINDS:
        raise Http404
    entry = policy.entry_for(request.user, a)
    if not policy.can_contribute(request.user, a, entry):
        raise PermissionDenied
    try:
        bare, item, title = item_of(convert.framework(a.framework_id), kind, item_id)
    except KeyError:
        raise Http404 from None
    if bare != item_id:  # an item's URL names it by its id in the framework only
        raise Http404
    return a, entry, item, title


@login_required
@require_POST
def rate_item(request, pk, kind, item_id):
    a, entry, item, title = contributable_item(request, pk, kind, item_id)
    can_rate = policy.can_rate(request.user, a, entry)
    cls = RATING_FORMS[kind] if can_rate else CommentForm
    form = cls(request.POST, prefix=f"{kind}-{item_id}")
    if form.is_valid():
        with transaction.atomic():
            rating = Rating.objects.select_for_update().filter(
                entry=entry, kind=kind, item=item_id).first()
            old = rating.data if rating else {}
            if can_rate:
                new = form.rating()
            else:  # a contributor changes the comment only
                new = {k: v for k, v in old.items() if k != "comment"}
                new.update(form.rating())
            try:
                convert.rating_model(kind, new)
            except Exception as exc:  # the library refuses it: say so, change nothing
                form.add_error(None, _("Not a valid rating: %(error)s") % {"error": exc})
            else:
                if rating is None:
                    Rating.objects.create(entry=entry, kind=kind, item=item_id, data=new,
                                          position=entry.ratings.filter(kind=kind).count())
                elif new != old:
                    rating.data = new
                    rating.save()
                if rating is None or new != old:
                    Assessment.touch(a.pk)  # the scores every page shows change with it
    ok = not form.errors
    if ok:
        form = None
    ctx = item_context(request, a, entry, kind, item_id, item, title, form=form)
    ctx["saved"] = ok
    return respond_item(request, a, ctx, status=200 if ok else 400)
