"""The monitor's status for administrators (``policy.is_admin``): what each feed has
done, read through ``tocsin.monitor.status.report`` from the site's home."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tocsin.monitor import status as monitor_status
from tocsin.monitor.cursors import parse_iso
from tocsin.web import policy

TIMES = ("last_run_at", "last_success_at", "last_error_at", "next_run_at", "alerted_at")


def _times(row: dict) -> dict:
    out = dict(row)
    for key in TIMES:
        try:
            out[key] = parse_iso(row.get(key))
        except ValueError:
            out[key] = None
    return out


@login_required
@require_GET
def status(request):
    if not policy.is_admin(request.user):
        raise PermissionDenied
    data = monitor_status.report(settings.HOME)
    runner = data.get("runner") or {}
    warning = runner.get("warning") or {}
    return render(request, "monitoring/status.html", {
        "data": data,
        "feeds": [_times(r) for r in data["feeds"]],
        "last_pass": parse_iso(runner.get("last_pass_finished_at")),
        "mode": runner.get("mode"),
        "warning_at": parse_iso(warning.get("last_run_at")),
        "warning_error": warning.get("last_error"),
        "warning_pending": bool(warning.get("pending")),
    })
