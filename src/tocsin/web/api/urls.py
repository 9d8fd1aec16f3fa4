"""``/api/v1/`` (the API, namespace ``api``), ``/api/v1/docs/`` (its interactive reference,
namespace ``api_docs``) and ``/api/tokens/`` (its token page)."""

from django.urls import include, path

from tocsin.web.api import reference, tokens
from tocsin.web.api.api import api

token_patterns = ([
    path("", tokens.tokens, name="tokens"),
    path("<int:pk>/revoke/", tokens.revoke, name="revoke"),
], "api_tokens")

docs_patterns = ([
    path("", reference.reference, name="reference"),
    path("<str:name>", reference.asset, name="asset"),
], "api_docs")

urlpatterns = [
    path("v1/docs/", include(docs_patterns)),  # before the API's own URLs
    path("v1/", api.urls),
    path("tokens/", include(token_patterns)),
]
