"""The "API tokens" page: a signed-in user creates and revokes their own tokens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tocsin.web.api.models import ApiToken


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    new = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip() or "token"
        _row, new = ApiToken.issue(request.user, name)
    return render(request, "api/tokens.html", {
        "tokens": ApiToken.objects.filter(user=request.user), "new": new})


@login_required
@require_POST
def revoke(request, pk):
    get_object_or_404(ApiToken, pk=pk, user=request.user).delete()
    return redirect("api_tokens:tokens")
