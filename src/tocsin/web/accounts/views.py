from __future__ import annotations

import django_otp
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tocsin.web import policy
from tocsin.web.accounts.forms import (
    AcceptForm,
    CountryRoleForm,
    InvitationForm,
    LoginForm,
    TokenForm,
)
from tocsin.web.accounts.models import CountryRole, Invitation


def login_view(request):
    form = LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
        if form.device is not None:
            django_otp.login(request, form.device)
        nxt = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(nxt, {request.get_host()},
                                               require_https=request.is_secure()):
            nxt = reverse("assessments:home")
        return redirect(nxt)
    return render(request, "accounts/login.html",
                  {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


class PasswordChange(PasswordChangeView):
    template_name = "accounts/password.html"
    success_url = reverse_lazy("assessments:home")

    def form_valid(self, form):
        messages.success(self.request, _("Password changed."))
        return super().form_valid(form)


@login_required
def invite(request):
    roles = policy.invitable_roles(request.user)
    if not roles:
        raise PermissionDenied
    form = InvitationForm(request.POST or None, roles=roles)
    link = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if not policy.can_invite(request.user, d["role"], d["country"]):
            form.add_error("country", _("You can invite viewers only for your own countries."))
        else:
            _inv, token = Invitation.issue(email=d["email"], name=d["name"], role=d["role"],
                                           country=d["country"], invited_by=request.user)
            link = request.build_absolute_uri(reverse("accounts:accept", args=[token]))
            form = InvitationForm(roles=roles)
    return render(request, "accounts/invite.html", {
        "form": form, "link": link, "invitations": policy.visible_invitations(request.user)[:50]})


def accept(request, token):
    inv = Invitation.open_by_token(token)
    if inv is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = AcceptForm(request.POST or None, initial={"username": inv.email.split("@")[0]})
    if request.method == "POST" and form.is_valid():
        try:
            user = _accept(inv, form.cleaned_data)
        except IntegrityError:  # the same username taken by another request meanwhile
            form.add_error("username", _("That username is taken."))
        else:
            if user is None:  # accepted by another request meanwhile
                return render(request, "accounts/invitation_invalid.html", status=404)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Tocsin."))
            return redirect("assessments:home")
    return render(request, "accounts/accept.html", {"form": form, "invitation": inv})


def _accept(inv: Invitation, data: dict):
    """Create the invitation's account and give it the role, once: the new user, or None
    if the invitation was accepted (or ran out) meanwhile.

    The invitation is claimed in the transaction that creates the account, by an UPDATE
    that only applies to a row nobody accepted yet. Of requests that accept it at the same
    time, the database lets one of them change the row (PostgreSQL locks it until that
    transaction ends, then finds it taken; SQLite lets one writer in at a time); the
    others change nothing and roll back the account they made. The claim sets
    ``accepted_by``, which the audit log does not show, so that the ``save()`` that then
    marks it accepted is what the audit log records."""
    User = get_user_model()
    user = User(username=User.normalize_username(data["username"]),
                email=User.objects.normalize_email(inv.email), first_name=inv.name[:150],
                # Hashed before the transaction, which then holds its lock only briefly.
                password=make_password(data["password1"]))
    now = timezone.now()
    with transaction.atomic():
        user.save()
        claimed = Invitation.objects.filter(
            pk=inv.pk, accepted_at__isnull=True, accepted_by__isnull=True,
            expires_at__gte=now).update(accepted_by=user)
        if claimed != 1:
            transaction.set_rollback(True)
            return None
        grant(inv, user)
        inv.accepted_at, inv.accepted_by = now, user
        inv.save()
    return user


def grant(inv: Invitation, user) -> None:
    """Give the user the role the invitation was for."""
    from tocsin.web.assessments.models import Assessment, AssessorEntry

    if inv.role == "administrator":
        user.is_superuser = True
        user.save()
    elif inv.role in ("focal_point", "viewer"):
        CountryRole.objects.get_or_create(user=user, country=inv.country, role=inv.role)
    elif inv.assessment is not None:
        a = inv.assessment
        key = user.username
        n = 1
        while a.assessors.filter(key=key).exists():
            n += 1
            key = f"{user.username}-{n}"
        AssessorEntry.objects.create(assessment=a, key=key, name=inv.name, user=user,
                                     affiliation=inv.affiliation or "other", role=inv.role,
                                     position=a.assessors.count())
        Assessment.touch(a.pk)


def _admin_only(request):
    if not policy.can_manage_people(request.user):
        raise PermissionDenied


@login_required
@require_GET
def users(request):
    _admin_only(request)
    people = get_user_model().objects.order_by("username").prefetch_related(
        "country_roles", "assessor_entries__assessment")
    return render(request, "accounts/users.html",
                  {"people": people, "form": CountryRoleForm()})


@login_required
@require_POST
def user_role_add(request, user_id):
    _admin_only(request)
    person = get_object_or_404(get_user_model(), pk=user_id)
    form = CountryRoleForm(request.POST)
    if form.is_valid():
        CountryRole.objects.get_or_create(user=person, **form.cleaned_data)
        messages.success(request, _("Role granted to %(user)s.") % {"user": person.username})
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
    return redirect("accounts:users")


@login_required
@require_POST
def user_role_remove(request, user_id, role_id):
    _admin_only(request)
    role = get_object_or_404(CountryRole, pk=role_id, user_id=user_id)
    role.delete()
    messages.success(request, _("Role removed."))
    return redirect("accounts:users")


@login_required
@require_POST
def user_active(request, user_id):
    _admin_only(request)
    person = get_object_or_404(get_user_model(), pk=user_id)
    if person == request.user:
        messages.error(request, _("You cannot deactivate yourself."))
    else:
        person.is_active = not person.is_active
        person.save()
        text = _("%(user)s is now active.") if person.is_active else \
            _("%(user)s is now deactivated.")
        messages.success(request, text % {"user": person.username})
    return redirect("accounts:users")


@login_required
def two_factor(request):
    """Set up (or remove) a TOTP authenticator; offered to focal points and administrators."""
    import segno
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not policy.may_use_two_factor(request.user):
        raise Http404
    confirmed = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    pending = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    form = TokenForm(request.POST or None)
    action = request.POST.get("action")
    if request.method == "POST":
        if action == "start" and confirmed is None:
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            pending = TOTPDevice.objects.create(user=request.user, name="authenticator",
                                                confirmed=False)
            form = TokenForm()
        elif action == "confirm" and pending is not None and form.is_valid():
            if pending.verify_token(form.cleaned_data["token"]):
                pending.confirmed = True
                pending.save()
                django_otp.login(request, pending)
                messages.success(request, _("Two-factor authentication is on."))
                return redirect("accounts:two_factor")
            form.add_error("token", _("That code is not right; check your device's clock."))
        elif action == "remove" and confirmed is not None and form.is_valid():
            if confirmed.verify_token(form.cleaned_data["token"]):
                TOTPDevice.objects.filter(user=request.user).delete()
                messages.success(request, _("Two-factor authentication is off."))
                return redirect("accounts:two_factor")
            form.add_error("token", _("That code is not right."))
    qr = secret = None
    if pending is not None and confirmed is None:
        qr = segno.make(pending.config_url, error="m").svg_inline(scale=4)
        import base64

        secret = base64.b32encode(pending.bin_key).decode()
    return render(request, "accounts/two_factor.html",
                  {"confirmed": confirmed, "pending": pending, "form": form, "qr": qr,
                   "secret": secret})


@login_required
@require_GET
def my_evidence(request):
    """The evidence the user added, in every assessment: theirs to see even after their
    place in an assessment was given to someone else (``policy.can_see_evidence``)."""
    rows = []
    for ev in policy.own_evidence(request.user).select_related(
            "rating__entry__assessment").order_by("-added_at", "-pk")[:500]:
        a = ev.assessment
        rows.append({"ev": ev, "a": a, "member": policy.can_view(request.user, a)})
    return render(request, "accounts/my_evidence.html", {"rows": rows})
