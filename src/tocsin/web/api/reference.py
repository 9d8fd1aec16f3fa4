"""The interactive API reference (Swagger UI) at ``/api/v1/docs/``, for signed-in users.

Swagger UI's script and stylesheet are the ones django-ninja ships in its package
(``ninja/static/ninja/``; Swagger UI is Apache-2.0, django-ninja MIT), served from there
by ``asset``: nothing is fetched from the internet, and the page keeps the site's
content security policy (scripts and styles from the site only; the one addition is
``data:`` images, which Swagger UI's stylesheet uses for its icons). The page reads
the schema the API publishes (``/api/v1/openapi.json``) and tries requests with the
reader's session, so it can do no more than the reader may.
"""

from __future__ import annotations

import json
from importlib.resources import files

from csp.constants import SELF
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.static import serve

# The files of django-ninja's Swagger UI that the page loads; nothing else is served.
ASSETS = {"swagger-ui-bundle.js", "swagger-ui.css"}


def _asset_dir() -> str:
    return str(files("ninja").joinpath("static", "ninja"))


@login_required
@require_GET
@csp_update({"img-src": [SELF, "data:"]})
def reference(request):
    settings = {"url": reverse("api:openapi-json"), "dom_id": "#swagger-ui",
                "layout": "BaseLayout", "deepLinking": True, "validatorUrl": None,
                "docExpansion": "list", "defaultModelsExpandDepth": 0,
                "displayRequestDuration": True, "tryItOutEnabled": False}
    return render(request, "api/reference.html", {"swagger_settings": json.dumps(settings)})


@login_required
@require_GET
def asset(request, name):
    if name not in ASSETS:
        raise Http404
    resp = serve(request, name, document_root=_asset_dir())
    resp["Cache-Control"] = "private, max-age=86400"
    return resp
