"""How the site names coded values (levels, affiliations, roles, statuses, severities,
...), in the interface's language: the one place for display names. The codes
themselves (``very-high``, ``civil-society``) stay as they are in files and in the
database; only their display is translated.

Grouped by what they qualify, because one English word needs several French ones
(a *high* risk is « élevé », a *high* confidence « élevée »).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

VALUE_LABELS = {
    "risk": {
        "low": pgettext_lazy("risk level", "low"),
        "moderate": pgettext_lazy("risk level", "moderate"),
        "high": pgettext_lazy("risk level", "high"),
        "very-high": pgettext_lazy("risk level", "very high"),
        "insufficient": pgettext_lazy("risk level", "insufficient"),
        "not-rated": pgettext_lazy("risk level", "not rated"),
    },
    "resilience": {
        "weak": pgettext_lazy("resilience level", "weak"),
        "moderate": pgettext_lazy("resilience level", "moderate"),
        "strong": pgettext_lazy("resilience level", "strong"),
        "not-rated": pgettext_lazy("resilience level", "not rated"),
    },
    "affiliation": {
        "government": pgettext_lazy("affiliation", "government"),
        "civil-society": pgettext_lazy("affiliation", "civil society"),
        "academia": pgettext_lazy("affiliation", "academia"),
        "nhri": pgettext_lazy("affiliation", "nhri"),
        "international": pgettext_lazy("affiliation", "international"),
        "other": pgettext_lazy("affiliation", "other"),
    },
    "verification": {
        "checked": pgettext_lazy("verification", "checked"),
        "recalled-high": pgettext_lazy("verification", "recalled high"),
        "recalled-low": pgettext_lazy("verification", "recalled low"),
    },
    "level": {
        "0": pgettext_lazy("indicator level", "absent"),
        "1": pgettext_lazy("indicator level", "present"),
        "2": pgettext_lazy("indicator level", "significant"),
        "3": pgettext_lazy("indicator level", "severe"),
        "unknown": pgettext_lazy("indicator level", "unknown"),
    },
    "confidence": {
        "low": pgettext_lazy("confidence", "low"),
        "medium": pgettext_lazy("confidence", "medium"),
        "high": pgettext_lazy("confidence", "high"),
    },
    "trend": {
        "worsening": pgettext_lazy("trend", "worsening"),
        "stable": pgettext_lazy("trend", "stable"),
        "improving": pgettext_lazy("trend", "improving"),
    },
    "measure": {
        "absent": pgettext_lazy("measure status", "absent"),
        "partial": pgettext_lazy("measure status", "partial"),
        "in-place": pgettext_lazy("measure status", "in place"),
        "unknown": pgettext_lazy("measure status", "unknown"),
    },
    "effectiveness": {
        "none": pgettext_lazy("effectiveness", "none"),
        "low": pgettext_lazy("effectiveness", "low"),
        "medium": pgettext_lazy("effectiveness", "medium"),
        "high": pgettext_lazy("effectiveness", "high"),
        "unknown": pgettext_lazy("effectiveness", "unknown"),
    },
}

AFFILIATION_NAMES = {
    "government": pgettext_lazy("affiliation name", "Government"),
    "civil-society": pgettext_lazy("affiliation name", "Civil society"),
    "academia": pgettext_lazy("affiliation name", "Academia"),
    "nhri": pgettext_lazy("affiliation name", "National human-rights institution"),
    "international": pgettext_lazy("affiliation name", "International"),
    "other": pgettext_lazy("affiliation name", "Other"),
}


def label(value, group: str | None = None):
    """The display name of a coded value; unknown codes are shown readably as they are."""
    key = "unknown" if value in (None, "") and group else str(value)
    groups = [group] if group else ["risk", "resilience", "affiliation", "verification"]
    for g in groups:
        found = VALUE_LABELS.get(g, {}).get(key)
        if found is not None:
            return found
    return key.replace("-", " ").replace("_", " ")


# The display names of the core's vocabularies (their codes are defined once, in the
# core: tocsin.warning.severity, tocsin.warning.lifecycle, tocsin.assessment.workflow).
SEVERITY_NAMES = {
    "low": pgettext_lazy("severity", "Low"),
    "medium": pgettext_lazy("severity", "Medium"),
    "high": pgettext_lazy("severity", "High"),
    "critical": pgettext_lazy("severity", "Critical"),
}
ALERT_STATUS_NAMES = {
    "new": gettext_lazy("New"),
    "acknowledged": gettext_lazy("Acknowledged"),
    "dismissed": gettext_lazy("Dismissed"),
    "escalated": gettext_lazy("Escalated"),
    "closed": gettext_lazy("Closed"),
}
ASSESSMENT_STATUS_NAMES = {
    "draft": gettext_lazy("Draft"),
    "in-review": gettext_lazy("In review"),
    "final": gettext_lazy("Final"),
}

# The site's own vocabularies: the roles of people (a country's or an assessment's),
# and the kinds of item an assessor rates.
ROLE_NAMES = {
    "administrator": gettext_lazy("Administrator"),
    "focal_point": gettext_lazy("Focal point"),
    "assessor": gettext_lazy("Assessor"),
    "contributor": gettext_lazy("Civil-society contributor"),
    "viewer": gettext_lazy("Viewer"),
}
KIND_NAMES = {
    "indicator": gettext_lazy("Indicator"),
    "measure": gettext_lazy("Resilience measure"),
    "trigger": gettext_lazy("Trigger"),
}


def choices(codes, names) -> list[tuple[str, object]]:
    """Django ``choices`` for a core vocabulary, in its order; a code without a display
    name is an error here, at import, not a blank in a form."""
    missing = [c for c in codes if c not in names]
    if missing or set(names) - set(codes):
        raise LookupError(f"display names and codes differ: {missing or set(names) - set(codes)}")
    return [(c, names[c]) for c in codes]
