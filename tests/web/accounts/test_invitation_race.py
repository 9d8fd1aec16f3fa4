"""A one-time invitation link, accepted by several requests at the same moment, makes one
account (issue 16: six concurrent POSTs of one administrator invitation made six
administrators). The requests really run at once: a real ``tocsin serve`` with worker
threads, one thread per visitor, all released together by a barrier."""

from __future__ import annotations

import threading

import pytest

from tests.web.live import Browser, Site, csrf_token, in_site
from tests.web.world import PASSWORD

RACERS = 6

SETUP = """
from tocsin.web.accounts.models import Invitation
_inv, admin = Invitation.issue(email="boss@test.invalid", name="Boss", role="administrator")
_inv, viewer = Invitation.issue(email="v@test.invalid", name="Vera", role="viewer",
                                country="KEN")
print(admin, viewer)
"""

COUNT = """
from django.contrib.auth import get_user_model
from tocsin.web.accounts.models import CountryRole, Invitation
User = get_user_model()
print(User.objects.count(), User.objects.filter(is_superuser=True).count(),
      CountryRole.objects.filter(role="viewer").count(),
      Invitation.objects.filter(accepted_at__isnull=False).count())
"""


def race(base: str, path: str, usernames: list[str]) -> list[int]:
    """Each visitor opens the invitation page, then all post the form at once."""
    visitors = [Browser(base) for _ in usernames]
    forms = []
    for v, name in zip(visitors, usernames, strict=True):
        status, page = v.get(path)
        assert status == 200, page
        forms.append({"csrfmiddlewaretoken": csrf_token(page), "username": name,
                      "password1": PASSWORD, "password2": PASSWORD})
    barrier = threading.Barrier(len(visitors))
    statuses = [None] * len(visitors)

    def accept(i):
        barrier.wait()
        statuses[i] = visitors[i].post(path, forms[i])[0]

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(len(visitors))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return statuses


@pytest.mark.slow
def test_concurrent_acceptances_of_one_invitation_make_one_account(tmp_path):
    admin_token, viewer_token = in_site(tmp_path, SETUP).split()
    with Site(tmp_path) as site:
        # Six people (or one attacker six times) with different usernames ...
        admin = race(site.base, f"/accounts/invitation/{admin_token}/",
                     [f"racer{i}" for i in range(RACERS)])
        # ... and six with the same username.
        viewer = race(site.base, f"/accounts/invitation/{viewer_token}/", ["same"] * RACERS)
    users, superusers, viewers, accepted = map(int, in_site(tmp_path, COUNT).split())
    assert (users, superusers, viewers, accepted) == (2, 1, 1, 2), (admin, viewer)
    # One acceptance went through (302 to the home page); the others were told the
    # invitation is used (404) or, for the same username, that it is taken (200 form).
    assert sorted(admin) == [302] + [404] * (RACERS - 1), admin
    assert viewer.count(302) == 1 and set(viewer) <= {302, 404, 200}, viewer
    assert "Traceback" not in site.output, site.output
