"""What the site's log says about a request that went wrong (``LOGGING`` in settings).

A 4xx answer is the client's doing (a page not found, a role that may not do this, a
Host the site does not serve): it is logged once, as one line, never with a traceback.
A 5xx keeps its traceback.
"""

from __future__ import annotations

import logging

# Django logs a request for an unknown Host as an ERROR with the exception attached;
# scanners send them all day, and nothing is wrong with the site.
UNKNOWN_HOST = "django.security.DisallowedHost"


class ClientErrorsPlain(logging.Filter):
    """Drops the traceback from records of 4xx answers (Django logs a 403 from
    ``PermissionDenied`` and a 400 for an unknown Host with the exception attached), and
    makes the unknown Host a warning; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name == UNKNOWN_HOST:
            status = 400
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
