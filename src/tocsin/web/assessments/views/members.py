"""An assessment's members: its assessors and contributors, invitations to join it, and
accounts linked to the assessors of an imported file.

Who may link whom is ``policy.link_refusal``: an entry already linked to a person is
re-linked to someone else by an administrator only (the audit log records the entry's
change; the page says who lost it, and they keep the evidence they added), and a focal
point of the country is never linked to a civil-society entry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
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
    may_invite = policy.can_invite_members(request.user, a)
    may_link = policy.can_link_members(request.user, a)
    entries = list(a.assessors.select_related("user"))
    invite_form = MemberInviteForm(prefix="inv")
    link_form = LinkUserForm(prefix="link", entries=entries)
    link = None
    if request.method == "POST":
        if not (policy.is_owner(request.user, a) or policy.is_admin(request.user)):
            raise PermissionDenied
        if a.status == workflow.SIGNED:  # a signed assessment gains no assessors
            messages.error(request, _("This assessment is final; start a revision to change "
                                      "its assessors."))
            return redirect("assessments:members", pk=a.pk)
        if "inv-email" in request.POST:
            if not may_invite:
                raise PermissionDenied
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
                done = _link(request, a, link_form)
                if done:
                    return redirect("assessments:members", pk=a.pk)
    return render(request, "assessments/members.html", {
        "a": a, "entries": entries, "may_invite": may_invite, "may_link": may_link,
        "invite_form": invite_form, "link_form": link_form, "link": link,
        "invitations": a.invitations.filter(accepted_at__isnull=True) if may_invite else [],
    })


def _link(request, a, form) -> bool:
    """Link the form's account to its entry, if the policy allows; False (with the
    reason on the form) if not."""
    with transaction.atomic():
        # Read again under a lock: two owners linking at once do not both see it free.
        entry = get_object_or_404(AssessorEntry.objects.select_for_update(),
                                  pk=form.cleaned_data["entry"], assessment=a)
        person = form.cleaned_data["username"]
        refusal = policy.link_refusal(request.user, a, entry, person)
        if refusal:
            form.add_error("username", refusal)
            return False
        previous = entry.user
        entry.user = person
        entry.role = form.cleaned_data["role"]
        entry.save()  # audited: the entry's account, before and after
        Assessment.touch(a.pk)
    if previous is not None and previous.pk != person.pk:
        messages.warning(request, _(
            "%(old)s no longer rates as %(name)s: %(new)s does. %(old)s keeps access to the "
            "evidence they added (under “my evidence”).")
            % {"old": previous.username, "new": person.username, "name": entry.name})
    messages.success(request, _("%(user)s now rates as %(name)s.")
                     % {"user": person.username, "name": entry.name})
    return True
