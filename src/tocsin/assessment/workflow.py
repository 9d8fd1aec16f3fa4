"""The statuses of a national assessment and the steps between them.

draft -> in review -> final. A draft is rated and commented; in review it is read and
checked, and may go back to draft; final is signed and never changes again (a revision
starts a new draft, version v+1). The file format, the site and the reports all use
these codes.
"""

from __future__ import annotations

from typing import Literal, get_args

AssessmentStatus = Literal["draft", "in-review", "final"]
STATUSES: tuple[str, ...] = get_args(AssessmentStatus)
EDITABLE = "draft"  # the one status in which ratings and evidence change
SIGNED = "final"

# step: (from, to). Only the assessment's owners (focal points) take them.
STEPS: dict[str, tuple[str, str]] = {
    "submit": ("draft", "in-review"),
    "reopen": ("in-review", "draft"),
    "finalise": ("in-review", "final"),
}


def after(status: str, step: str) -> str | None:
    """The status ``step`` leads to from ``status``, or None if it cannot be taken."""
    start, end = STEPS.get(step, (None, None))
    return end if start == status else None
