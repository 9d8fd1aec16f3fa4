"""The error pages, in the site's frame, and the icon browsers ask for at /favicon.ico.

The error pages need nothing the request may lack: a request refused before the
session and authentication middleware ran (an unknown Host) still gets the site's 400
page, and the 500 page is rendered without the request at all, so that it cannot fail
in turn (Django's own pattern)."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET
from django.views.static import serve

STATIC = Path(__file__).resolve().parent / "static" / "tocsin"


@requires_csrf_token
def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


@requires_csrf_token
def forbidden(request, exception=None):
    return render(request, "403.html", status=403)


@requires_csrf_token
def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return HttpResponseServerError(loader.get_template("500.html").render())


@require_GET
def favicon(request):
    """The site's icon (pages link the SVG; browsers and tools still ask for this one).
    The SVG if the ICO is not installed (package data lists *.svg; *.ico needs adding)."""
    name = "favicon.ico" if (STATIC / "favicon.ico").is_file() else "favicon.svg"
    resp = serve(request, name, document_root=str(STATIC))
    resp["Cache-Control"] = "public, max-age=604800"
    return resp
