"""What the site's log says about a request that went wrong (``LOGGING`` in settings).

A 4xx answer is the client's doing (a page not found, a role that may not do this): it
is logged once, as one line, never with a traceback. A 5xx keeps its traceback.
"""

from __future__ import annotations

import logging


class ClientErrorsPlain(logging.Filter):
    """Drops the traceback from records of 4xx answers (Django logs a 403 from
    ``PermissionDenied`` with the exception attached); lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
