"""The error pages, in the site's frame, and the icon browsers ask for at /favicon.ico."""

from __future__ import annotations

from pathlib import Path

from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.static import serve

STATIC = Path(__file__).resolve().parent / "static" / "tocsin"


def forbidden(request, exception=None):
    return render(request, "403.html", status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


@require_GET
def favicon(request):
    """The site's icon (pages link the SVG; browsers and tools still ask for this one).
    The SVG if the ICO is not installed (package data lists *.svg; *.ico needs adding)."""
    name = "favicon.ico" if (STATIC / "favicon.ico").is_file() else "favicon.svg"
    resp = serve(request, name, document_root=str(STATIC))
    resp["Cache-Control"] = "public, max-age=604800"
    return resp
