"""What every answer of the site passes through, after Django's own middleware:

- ``NoStoreMiddleware``: nothing the site answers is kept by a browser's or a proxy's
  cache (``Cache-Control: no-store, private``). Pages show assessments and evidence
  that may identify witnesses; a shared computer's cache, the back button after logging
  out, or a proxy must not keep a copy. Only files without any user data (the icon, the
  API reference's script) may be cached; the static files never reach Django.
- ``TwoFactorRequiredMiddleware``: where two-factor is required
  (``settings.TWO_FACTOR_REQUIRED``, TOCSIN_REQUIRE_TWO_FACTOR), an administrator or a
  focal point without a confirmed authenticator is sent to set one up, and one with an
  authenticator who has not used it for this session is sent to log in again, before
  anything else (``policy.two_factor_due``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

NO_STORE = "no-store, private"
# Views that answer with a file holding no user data, cached like the static files.
CACHEABLE_VIEWS = {"favicon", "api_docs:asset"}
# What a person who must first set up (or use) two-factor may still reach.
TWO_FACTOR_EXEMPT = {"accounts:two_factor", "accounts:login", "accounts:logout",
                     "set_language", "favicon"}


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in CACHEABLE_VIEWS \
                and response.status_code == 200:
            return response
        response["Cache-Control"] = NO_STORE
        return response


def _bearer_token(request) -> str | None:
    kind, _sep, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return token.strip() if kind.lower() == "bearer" and token.strip() else None


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.TWO_FACTOR_REQUIRED:
            return None
        from tocsin.web import policy

        match = request.resolver_match
        api = match is not None and match.namespaces[:1] == ["api"]
        user, session = request.user, True
        if api and not user.is_authenticated and _bearer_token(request):
            # The API's own authentication runs inside its views: the token's owner is
            # asked the same question here, before any operation runs. A token has no
            # session to have used two-factor in; its owner must have set it up.
            from tocsin.web.api.models import ApiToken

            user, session = ApiToken.user_for(_bearer_token(request)) or user, False
        due = policy.two_factor_due(user, session=session)
        if due is None or (match is not None and match.view_name in TWO_FACTOR_EXEMPT):
            return None
        if api:
            return JsonResponse({"detail": "two-factor authentication must be set up first "
                                           "(on the site's two-factor page)"}, status=403)
        if due == "verify":
            # An authenticator is set up but was not used for this session.
            logout(request)
            url = reverse("accounts:login")
            if request.method == "GET":
                url += "?" + urlencode({"next": request.get_full_path()})
            return redirect(url)
        messages.warning(request, _("Set up two-factor authentication first: administrators "
                                    "and focal points need it for everything else."))
        return redirect("accounts:two_factor")
