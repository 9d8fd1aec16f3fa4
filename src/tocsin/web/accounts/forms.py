from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tocsin import countries
from tocsin.web.accounts.models import COUNTRY_ROLES, ROLES


def valid_country(code: str) -> str:
    code = (code or "").strip().upper()
    if not countries.is_known(code):
        raise ValidationError(_("Enter an ISO 3166-1 alpha-3 country code, e.g. KEN."))
    return code


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput,
                               max_length=1024)
    otp_token = forms.CharField(label=_("Two-factor code"), required=False, max_length=8,
                                help_text=_("Only if you have set up two-factor "
                                            "authentication."))

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        self.device = None
        super().__init__(*args, **kwargs)

    def clean(self):
        from django.contrib.auth.signals import user_login_failed
        from django_otp import devices_for_user, match_token

        data = super().clean()
        if self.errors:
            return data
        # The request is passed so that django-axes can count failures per address.
        user = authenticate(self.request, username=data["username"], password=data["password"])
        if user is None:
            raise ValidationError(_("Wrong username or password."))
        if any(devices_for_user(user, confirmed=True)):
            token = (data.get("otp_token") or "").strip()
            if not token:
                # A blank code is a question (the password was right), not an attempt.
                raise ValidationError(_("Enter the current code from your authenticator app."))
            device = match_token(user, token)
            if device is None:
                # A wrong code is a failed login like a wrong password: django-axes counts
                # it per username and address (and per address), and the audit log has it.
                # So codes cannot be guessed without limit, and the pause this leads to
                # is for that address only, never for the account's owner elsewhere.
                user_login_failed.send(sender=__name__, request=self.request,
                                       credentials={"username": data["username"]})
                raise ValidationError(_("That code is not right. Enter the current code "
                                        "from your authenticator app."))
            self.device = device
        self.user = user
        return data


class InvitationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=[])
    country = forms.CharField(label=_("Country"), max_length=3, required=False,
                              help_text=_("ISO3 code, for focal points and viewers."))

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, ROLES[r]) for r in roles]

    def clean_country(self):
        code = self.cleaned_data.get("country", "")
        return valid_country(code) if code else ""

    def clean(self):
        data = super().clean()
        if data.get("role") in ("focal_point", "viewer") and not data.get("country"):
            self.add_error("country", _("Focal points and viewers need a country."))
        return data


class AcceptForm(forms.Form):
    username = forms.RegexField(label=_("Username"), regex=r"^[\w.@+-]{3,150}$",
                                max_length=150,
                                help_text=_("3–150 letters, digits and @ . + - _"))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput,
                                max_length=1024)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput,
                                max_length=1024)

    def clean_username(self):
        name = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise ValidationError(_("That username is taken."))
        return name

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            user = get_user_model()(username=data.get("username", ""))
            try:
                password_validation.validate_password(p1, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class CountryRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=list(COUNTRY_ROLES.items()))
    country = forms.CharField(label=_("Country"), max_length=3)

    def clean_country(self):
        return valid_country(self.cleaned_data["country"])


class TokenForm(forms.Form):
    token = forms.RegexField(regex=r"^\d{6}$", max_length=6, label=_("Code from your app"),
                             error_messages={"invalid": _("Enter the 6-digit code.")})
