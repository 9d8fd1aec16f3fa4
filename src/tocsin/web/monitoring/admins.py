"""Who the site's administrators are, for the monitor's alerts about failing feeds
(``tocsin monitor`` passes this to the core, which never imports the site)."""

from __future__ import annotations

from pathlib import Path


def emails(home: Path) -> list[str]:
    """The e-mail addresses of the site's administrators (``policy.is_admin``: active
    superusers), those that have one."""
    from tocsin.web import setup

    setup(home)
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(is_superuser=True, is_active=True).values_list(
        "email", flat=True)
    return sorted({e.strip() for e in found if e and e.strip()})
