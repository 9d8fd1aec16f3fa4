"""The REST API (django-ninja): countries, forecasts, alerts, assessments, events,
and bulk export, under ``/api/v1/``; the OpenAPI schema at ``/api/v1/openapi.json``.

Authentication: ``Authorization: Bearer <token>`` (tokens from the "API tokens"
page) or the site's session. Permissions are the pages' own (``tocsin.web.policy``),
so the API can never show or change more than the site. Sensitive evidence is in an
assessment's document and its export only for the assessment's owners (focal points).

The operations are in ``routers/``, one module per resource; this module puts them
together with the authentication and the error handlers.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from tocsin.errors import InputError
from tocsin.web.api.models import ApiToken
from tocsin.web.api.routers import alerts, assessments, countries, events, export

# The schema's operation ids are names clients are generated with: they stay as they
# were published (from the module the operations were first written in), wherever the
# operations live now.
OPERATION_ID_PREFIX = "tocsin_web_api_views_"


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = ApiToken.user_for(token)
        if user is not None:
            request.user = user
        return user


class TocsinAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        return OPERATION_ID_PREFIX + operation.view_func.__name__


api = TocsinAPI(
    title="Tocsin API", version="1",
    description="Country risk, forecasts, alerts, assessments and events of a Tocsin site. "
                "Same permissions as the site's pages. See docs/api.md.",
    auth=[TokenAuth(), django_auth], urls_namespace="api", docs_url=None,
)


@api.exception_handler(InputError)
def _input_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(PermissionDenied)
def _denied(request, exc):
    return api.create_response(request, {"detail": "not permitted"}, status=403)


@api.exception_handler(Http404)
def _missing(request, exc):
    return api.create_response(request, {"detail": "not found"}, status=404)


for _module in (countries, alerts, assessments, events, export):
    api.add_router("/", _module.router)
