"""An assessment's members: its assessors and contributors, invitations to join it, and
accounts linked to the assessors of an imported file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tocsin.assessment import workflow
from tocsin.web import policy
from tocsin.web.accounts.models import Invitation
from tocsin.web.assessments.forms import LinkUserForm, MemberInviteForm
from tocsin.web.assessments.models import Assessment, AssessorEntry
from tocsin.web.assessments.views.common import assessment_for


@login_required
def members(request, pk):
    a = assessment_for(request, pk)
    owner = policy.can_manage(request.user, a)
    signed = a.status == workflow.SIGNED
    entries = list(a.assessors.select_related("user"))
    invite_form = MemberInviteForm(prefix="inv")
    link_form = LinkUserForm(prefix="link", entries=entries)
    link = None
    if request.method == "POST":
        if not owner:
            raise PermissionDenied
        if signed:  # a signed assessment gains no assessors
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
                    Assessment.touch(a.pk)
                    messages.success(request, _("%(user)s now rates as %(name)s.")
                                     % {"user": user.username, "name": entry.name})
                    return redirect("assessments:members", pk=a.pk)
    return render(request, "assessments/members.html", {
        "a": a, "entries": entries, "owner": owner and not signed,
        "invite_form": invite_form, "link_form": link_form, "link": link,
        "invitations": a.invitations.filter(accepted_at__isnull=True) if owner else [],
    })
