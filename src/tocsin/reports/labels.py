"""How the reports name the coded values of an assessment (the codes are the
assessment library's: risk and resilience bands, ``tocsin.assessment.workflow``'s
statuses, the SG report's headings of measures)."""

from __future__ import annotations

RISK_LABELS = {"low": "Low", "moderate": "Moderate", "high": "High", "very-high": "Very high",
               "insufficient": "Too few ratings", "not-rated": "Not rated"}
RESILIENCE_LABELS = {"weak": "Weak", "moderate": "Moderate", "strong": "Strong",
                     "not-rated": "Not rated"}
STATUS_LABELS = {"draft": "Draft", "in-review": "In review", "final": "Final"}
HEADING_LABELS = {
    "building-national-resilience": "Building national resilience",
    "promoting-and-protecting-human-rights": "Promoting and protecting human rights",
    "targeted-measures": "Targeted measures to prevent atrocity crimes",
    "partnerships": "Partnerships for prevention",
}
