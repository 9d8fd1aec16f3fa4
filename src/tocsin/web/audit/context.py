"""The current actor of writes, as a context variable (a request, a command)."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

_actor = contextvars.ContextVar("tocsin_audit_actor", default=(None, None, "system"))


@contextmanager
def acting(user, address=None, name: str | None = None):
    label = name or (user.get_username() if user is not None else "anonymous")
    token = _actor.set((user, address, label))
    try:
        yield
    finally:
        _actor.reset(token)


def current():
    """(user or None, address or None, name)."""
    return _actor.get()
