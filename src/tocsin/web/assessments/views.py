from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tocsin.assessment import workflow
from tocsin.errors import InputError
from tocsin.web import policy
from tocsin.web.accounts.models import Invitation
from tocsin.web.assessments import convert
from tocsin.web.assessments.forms import (
    RATING_FORMS,
    CommentForm,
    EvidenceForm,
    ImportForm,
    LinkUserForm,
    MemberInviteForm,
    NewAssessmentForm,
    initial_from,
)
from tocsin.web.assessments.models import (
    KINDS,
    Assessment,
    AssessorEntry,
    Evidence,
    Rating,
    Version,
)
from tocsin.web.shell.templatetags.tocsin import dom_id

SECTIONS = ("measures", "triggers")


def _assessment(request, pk, need="view"):
    a = get_object_or_404(Assessment, pk=pk)
    ok = {"view": policy.can_view, "manage": policy.can_manage}[need](request.user, a)
    if not ok:
        # Not 404 for a country's own viewer, 403 otherwise? Both say nothing about the
        # content; 404 also hides whether the assessment exists.
        raise Http404
    return a


# --- list, create, import -----------------------------------------------------------------


@login_required
@require_GET
def home(request):
    rows = policy.visible_assessments(request.user).order_by("country", "-version")
    return render(request, "assessments/home.html", {
        "assessments": rows,
        "can_create": bool(policy.countries(request.user, "focal_point")),
    })


@login_required
def new(request):
    from tocsin.assessment.io import new_assessment
    from tocsin.assessment.model import Assessor
    from tocsin.framework import list_frameworks

    countries = policy.countries(request.user, "focal_point")
    if not countries:
        raise PermissionDenied
    frameworks = [(e.id, f"{e.title} ({e.id} {e.version})") for e in list_frameworks()]
    today = dt.date.today()
    form = NewAssessmentForm(request.POST or None, countries=countries, frameworks=frameworks,
                             initial={"period_start": dt.date(today.year - 1, 1, 1),
                                      "period_end": dt.date(today.year - 1, 12, 31)})
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

    countries = policy.countries(request.user, "focal_point")
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
                if row.status == "final":  # signed elsewhere: keep the file as its version
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


# --- the assessment -------------------------------------------------------------------------


def _scorecard(a: Assessment):
    from tocsin.assessment.scoring import score

    model = convert.to_model(a)
    fw = convert.framework(a.framework_id)
    return model, fw, score(model, fw)


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
    a = _assessment(request, pk)
    model, fw, card = _scorecard(a)
    return render(request, "assessments/detail.html", {
        "a": a, "card": card, "fw": fw, "progress": _progress(a, fw),
        "owner": policy.is_owner(request.user, a),
        "entry": policy.entry_for(request.user, a),
        "versions": a.versions.all(),
    })


@login_required
@require_GET
def scores(request, pk):
    """The score panel alone, for HTMX to refresh after a rating."""
    a = _assessment(request, pk)
    _model, fw, card = _scorecard(a)
    return render(request, "assessments/_scores.html", {"a": a, "card": card})


@login_required
@require_GET
def gaps(request, pk):
    a = _assessment(request, pk)
    _model, fw, card = _scorecard(a)
    return render(request, "assessments/gaps.html", {"a": a, "card": card})


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


def _item_context(request, a, entry, kind, item_id, item, title, form=None, ev_form=None):
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
    # caller), so what is left to decide per item is the sensitive evidence: the same
    # rule as policy.can_see_evidence, without asking it again for every row.
    if not hasattr(request, "_tocsin_owner"):
        request._tocsin_owner = policy.is_owner(request.user, a)
    owner = request._tocsin_owner
    qs = Evidence.objects.filter(rating__entry__assessment=a, rating__kind=kind,
                                 rating__item=item_id).select_related("rating__entry")
    others = [ev for ev in qs
              if not ev.sensitive or owner or ev.added_by_id == request.user.pk]
    ratings = Rating.objects.filter(entry__assessment=a, kind=kind, item=item_id
                                    ).select_related("entry")
    return {"a": a, "kind": kind, "item_id": item_id, "item": item, "title": title,
            "data": data, "form": form, "can_rate": can_rate, "can_contribute": can_contribute,
            "ev_form": ev_form or (EvidenceForm(prefix=f"ev-{kind}-{item_id}")
                                   if can_contribute else None),
            "evidence": others, "ratings": ratings,
            "max_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)}


@login_required
@require_GET
def rate(request, pk, section=None):
    a = _assessment(request, pk)
    fw = convert.framework(a.framework_id)
    section = section or fw.risk_factors[0].id
    kind, items = _items(fw, section)
    entry = policy.entry_for(request.user, a)
    _model, _fw, card = _scorecard(a)
    tabs = [(rf.id, f"{rf.id} {rf.name}") for rf in fw.risk_factors]
    tabs += [("measures", _("Resilience measures")), ("triggers", _("Triggers"))]
    blocks = [_item_context(request, a, entry, kind, i, it, title) for i, title, it in items]
    rf = fw.risk_factor(section) if kind == "indicator" else None
    return render(request, "assessments/rate.html", {
        "a": a, "fw": fw, "section": section, "kind": kind, "tabs": tabs, "blocks": blocks,
        "entry": entry, "card": card, "rf": rf,
        "rf_score": card.risk_factor(section) if rf else None,
    })


def _item_of(fw, kind, item_id):
    try:
        if kind == "indicator":
            it = fw.indicators[item_id]
            return it, it.text
        if kind == "measure":
            it = fw.measure(item_id)
            return it, it.name
        if kind == "trigger":
            it = fw.trigger(item_id)
            return it, it.name
    except KeyError:
        pass
    raise Http404


def _section_of(fw, kind, item):
    return {"indicator": getattr(item, "risk_factor", None), "measure": "measures",
            "trigger": "triggers"}[kind]


def _respond_item(request, a, ctx, status=200):
    if request.headers.get("HX-Request"):
        # 200 even for a refused form: htmx swaps only 2xx answers, and the errors
        # must be shown in place. Nothing was changed in that case.
        _m, _f, card = _scorecard(a)
        ctx = {**ctx, "card": card, "oob": True}
        if ctx["kind"] == "indicator":
            ctx["rf_score"] = card.risk_factor(ctx["item"].risk_factor)
        return render(request, "assessments/_item.html", ctx)
    fw = convert.framework(a.framework_id)
    section = _section_of(fw, ctx["kind"], ctx["item"])
    url = reverse("assessments:rate_section", args=[a.pk, section])
    if status != 200:
        # Show the one item with its errors on a page of its own.
        return render(request, "assessments/item_page.html", ctx, status=status)
    return redirect(f"{url}#item-{ctx['kind']}-{dom_id(ctx['item_id'])}")


def _contributable_item(request, pk, kind, item_id):
    """The assessment, the user's entry in it and the framework item, for a write to
    one item; 404 for an unknown kind or item, 403 unless the user may contribute."""
    a = _assessment(request, pk)
    if kind not in KINDS:
        raise Http404
    entry = policy.entry_for(request.user, a)
    if not policy.can_contribute(request.user, a, entry):
        raise PermissionDenied
    item, title = _item_of(convert.framework(a.framework_id), kind, item_id)
    return a, entry, item, title


@login_required
@require_POST
def rate_item(request, pk, kind, item_id):
    a, entry, item, title = _contributable_item(request, pk, kind, item_id)
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
    ok = not form.errors
    if ok:
        form = None
    ctx = _item_context(request, a, entry, kind, item_id, item, title, form=form)
    ctx["saved"] = ok
    return _respond_item(request, a, ctx, status=200 if ok else 400)


@login_required
@require_POST
def add_evidence(request, pk, kind, item_id):
    a, entry, item, title = _contributable_item(request, pk, kind, item_id)
    form = EvidenceForm(request.POST, request.FILES, prefix=f"ev-{kind}-{item_id}")
    data = None
    if form.is_valid():
        try:
            data = form.evidence()
        except Exception as exc:
            form.add_error(None, str(exc))
    if data is not None:
        with transaction.atomic():
            rating, _ = Rating.objects.get_or_create(
                entry=entry, kind=kind, item=item_id,
                defaults={"data": convert.rating_model(kind, {}).model_dump(
                    mode="json", exclude={"evidence"}, exclude_none=True),
                    "position": entry.ratings.filter(kind=kind).count()})
            ev = Evidence(rating=rating, data=data, added_by=request.user,
                          position=rating.evidence.count())
            f = form.cleaned_data.get("document")
            if f:
                ev.filename = f.name[-200:]
                ev.content_type = form.content_type
                ev.document.save("upload", f, save=False)
            ev.save()
        ctx = _item_context(request, a, entry, kind, item_id, item, title)
        ctx["saved"] = True
        return _respond_item(request, a, ctx)
    ctx = _item_context(request, a, entry, kind, item_id, item, title, ev_form=form)
    return _respond_item(request, a, ctx, status=400)


def _evidence(request, pk):
    ev = get_object_or_404(Evidence.objects.select_related("rating__entry__assessment"), pk=pk)
    if not policy.can_see_evidence(request.user, ev):
        raise Http404
    return ev


@login_required
@require_GET
def evidence_file(request, pk):
    ev = _evidence(request, pk)
    if not ev.document:
        raise Http404
    resp = FileResponse(ev.document.open("rb"), as_attachment=True,
                        filename=ev.filename or f"evidence-{ev.pk}")
    # The type recorded at upload, from the allow-list; never guessed from the name.
    resp["Content-Type"] = ev.content_type or "application/octet-stream"
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, no-store"
    return resp


@login_required
@require_POST
def evidence_delete(request, pk):
    ev = _evidence(request, pk)
    if not policy.can_change_evidence(request.user, ev):
        raise PermissionDenied
    a = ev.assessment
    fw = convert.framework(a.framework_id)
    kind, item_id = ev.rating.kind, ev.rating.item
    with transaction.atomic():
        name, storage = ev.document.name, ev.document.storage
        ev.delete()
        if name:  # the file goes only once the row is gone for good
            transaction.on_commit(lambda: storage.delete(name))
    item, _t = _item_of(fw, kind, item_id)
    messages.success(request, _("Evidence removed."))
    url = reverse("assessments:rate_section", args=[a.pk, _section_of(fw, kind, item)])
    return redirect(f"{url}#item-{kind}-{dom_id(item_id)}")


# --- owners: members, status, export ------------------------------------------------------


@login_required
def members(request, pk):
    a = _assessment(request, pk)
    owner = policy.can_manage(request.user, a)
    entries = list(a.assessors.select_related("user"))
    invite_form = MemberInviteForm(prefix="inv")
    link_form = LinkUserForm(prefix="link", entries=entries)
    link = None
    if request.method == "POST":
        if not owner:
            raise PermissionDenied
        if a.status == "final":  # a signed assessment gains no assessors
            messages.error(request, _("This assessment is final; start a revision to change "
                                      "its assessors."))
            return redirect("assessments:members", pk=a.pk)
        if "inv-email" in request.POST:
            invite_form = MemberInviteForm(request.POST, prefix="inv")
            if invite_form.is_valid():
                d = invite_form.cleaned_data
                _inv, token = Invitation.issue(email=d["email"], name=d["name"], role=d["role"],
                                               country=a.country, assessment=a,
                                               affiliation=d["affiliation"],
                                               invited_by=request.user)
                link = request.build_absolute_uri(reverse("accounts:accept", args=[token]))
                invite_form = MemberInviteForm(prefix="inv")
        else:
            link_form = LinkUserForm(request.POST, prefix="link", entries=entries)
            if link_form.is_valid():
                entry = get_object_or_404(AssessorEntry, pk=link_form.cleaned_data["entry"],
                                          assessment=a)
                user = link_form.cleaned_data["username"]
                if a.assessors.filter(user=user).exclude(pk=entry.pk).exists():
                    link_form.add_error("username", _("That account already rates this "
                                                      "assessment as another assessor."))
                else:
                    entry.user = user
                    entry.role = link_form.cleaned_data["role"]
                    entry.save()
                    messages.success(request, _("%(user)s now rates as %(name)s.")
                                     % {"user": user.username, "name": entry.name})
                    return redirect("assessments:members", pk=a.pk)
    return render(request, "assessments/members.html", {
        "a": a, "entries": entries, "owner": owner and a.status != "final",
        "invite_form": invite_form, "link_form": link_form, "link": link,
        "invitations": a.invitations.filter(accepted_at__isnull=True) if owner else [],
    })


@login_required
@require_POST
def status(request, pk):
    from tocsin.assessment.io import dump_assessment

    a = _assessment(request, pk, need="manage")
    action = request.POST.get("action", "")
    if workflow.after(a.status, action) is None:
        messages.error(request, _("That step is not possible from here."))
        return redirect("assessments:detail", pk=a.pk)
    with transaction.atomic():
        a = Assessment.objects.select_for_update().get(pk=a.pk)
        to = workflow.after(a.status, action)
        if to is None:
            raise PermissionDenied
        a.status = to
        if a.status == "final":
            a.document = {**a.document, "status": "final"}
        a.save()
        if a.status == "final":
            text = dump_assessment(convert.to_model(a))
            Version.objects.create(assessment=a, number=a.version, text=text,
                                   sha256=hashlib.sha256(text.encode()).hexdigest(),
                                   signed_by=request.user)
    messages.success(request, _("The assessment is now %(status)s.")
                     % {"status": a.get_status_display().lower()})
    return redirect("assessments:detail", pk=a.pk)


@login_required
@require_POST
def revise(request, pk):
    """A final assessment stays as signed; a revision is a new draft copied from it."""
    a = _assessment(request, pk, need="manage")
    if a.status != "final":
        messages.error(request, _("Only a final assessment can be revised."))
        return redirect("assessments:detail", pk=a.pk)
    if a.revisions.exists():
        messages.error(request, _("This version has a revision already."))
        return redirect("assessments:detail", pk=a.revisions.first().pk)
    model = convert.to_model(a).model_copy(update={"status": "draft", "date": dt.date.today()})
    new = convert.from_model(model, created_by=request.user, status="draft",
                             version=a.version + 1, previous=a)
    for old in a.assessors.exclude(user=None):
        new.assessors.filter(key=old.key).update(user=old.user, role=old.role)
    messages.success(request, _("Version %(n)d started as a draft.") % {"n": new.version})
    return redirect("assessments:detail", pk=new.pk)


@login_required
@require_POST
def delete(request, pk):
    a = _assessment(request, pk, need="manage")
    if a.status != "draft" or a.revisions.exists() or a.versions.exists():
        messages.error(request, _("Only a draft that was never signed can be deleted."))
        return redirect("assessments:detail", pk=a.pk)
    with transaction.atomic():
        files = [(ev.document.storage, ev.document.name) for ev in
                 Evidence.objects.filter(rating__entry__assessment=a).exclude(document="")]
        a.delete()
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])
    messages.success(request, _("Draft deleted."))
    return redirect("assessments:home")


def _download(body, content_type, filename):
    resp = HttpResponse(body, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp["Cache-Control"] = "private, no-store"
    return resp


def _slug(a):
    return f"tocsin-{a.country}-v{a.version}-{a.pk}"


@login_required
@require_GET
def export(request, pk):
    """The whole file, sensitive evidence included: owners only."""
    from tocsin.assessment.io import dump_assessment

    a = _assessment(request, pk, need="manage")
    return _download(dump_assessment(convert.to_model(a)), "application/yaml; charset=utf-8",
                     f"{_slug(a)}.yaml")


@login_required
@require_GET
def version_file(request, pk, number):
    a = _assessment(request, pk, need="manage")
    v = get_object_or_404(Version, assessment=a, number=number)
    return _download(v.text, "application/yaml; charset=utf-8",
                     f"tocsin-{a.country}-v{v.number}-signed.yaml")


@login_required
@require_GET
def report(request, pk, fmt):
    if fmt not in ("html", "pdf"):
        raise Http404
    a = _assessment(request, pk)
    include = policy.is_owner(request.user, a) and request.GET.get("sensitive") == "1"
    model = convert.to_model(a, include_sensitive=include)
    fw = convert.framework(a.framework_id)
    try:
        from tocsin.reports import assessment as reports
    except ImportError:
        return HttpResponse(_("Reports are not available in this installation."), status=503,
                            content_type="text/plain")
    if fmt == "pdf":
        body = reports.render_pdf(model, fw, include_sensitive=include)
        return _download(body, "application/pdf", f"{_slug(a)}.pdf")
    body = reports.render_html(model, fw, include_sensitive=include)
    return _download(body, "text/html; charset=utf-8", f"{_slug(a)}.html")
