"""Login throttling: django-axes' database handler, with a limit of its own for each
lockout parameter (``AXES_LOCKOUT_PARAMETERS`` in settings).

- one username from one address: ``AXES_FAILURE_LIMIT`` failures (5);
- one address, over all usernames: ``AXES_ADDRESS_FAILURE_LIMIT`` (20), so that an
  address cannot try a few passwords on each of many accounts.

Either pauses logging in from that address (for that username, or for all) for
``AXES_COOLOFF_TIME``; nothing locks an account for everyone, so nobody can lock its
owner out. A wrong two-factor code after a right password counts as a failure
(``accounts.forms.LoginForm``).

django-axes compares the largest failure count of the parameters with one limit; this
handler scales each parameter's count to that limit (``floor(n * limit / own limit)``
reaches the limit exactly when ``n`` reaches its own), and on a successful login
forgets only that username's failures from that address, not the address's others.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_parameters, get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _own_limit(filter_kwargs: dict, limit: int) -> int:
    if set(filter_kwargs) == {"ip_address"}:
        return settings.AXES_ADDRESS_FAILURE_LIMIT
    return limit


class LoginThrottle(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        limit = get_failure_limit(request, credentials)
        username = get_client_username(request, credentials)
        # The same parameters, in the same order, as get_user_attempts' querysets.
        params = get_client_parameters(username, request.axes_ip_address,
                                       request.axes_user_agent, request, credentials)
        worst = 0
        for kwargs, attempts in zip(params, self.get_user_attempts(request, credentials),
                                    strict=True):
            n = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            worst = max(worst, n * limit // _own_limit(kwargs, limit))
        return worst

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful login: that username's failures from that address only."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address).delete()
        return count
