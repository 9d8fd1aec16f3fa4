"""``/api/v1/`` (the API, namespace ``api``) and ``/api/tokens/`` (its token page)."""

from django.urls import include, path

from tocsin.web.api import tokens
from tocsin.web.api.views import api

token_patterns = ([
    path("", tokens.tokens, name="tokens"),
    path("<int:pk>/revoke/", tokens.revoke, name="revoke"),
], "api_tokens")

urlpatterns = [
    path("v1/", api.urls),
    path("tokens/", include(token_patterns)),
]
