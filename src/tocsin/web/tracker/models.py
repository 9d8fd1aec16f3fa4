"""Follow-up of the seven recommendations of the Secretary-General's 2013 report
(A/67/929-S/2013/399, section V), per state.

Recommendation 3 (treaties) is split into its three named instruments. Each row is
what a focal point or an administrator recorded: status, date, evidence. Where
nobody has recorded a treaty, the tracker shows the bundled UNTC snapshot with its
as-of date instead (``treaties.py``), never as current status.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# key -> (recommendation number, short label)
ITEMS = {
    "focal_point": (1, _("R2P focal point appointed")),
    "national_assessment": (2, _("National assessment of risk and resilience")),
    "genocide_convention": (3, _("Genocide Convention ratified")),
    "rome_statute": (3, _("Rome Statute ratified")),
    "arms_trade_treaty": (3, _("Arms Trade Treaty ratified")),
    "regional_cooperation": (4, _("Support to other states and regional arrangements")),
    "peer_review": (5, _("Peer review (UPR, regional reviews)")),
    "partnerships": (6, _("Partnerships for assistance and capacity")),
    "discussions": (7, _("Discussions on advancing R2P")),
}
STATUSES = {
    "unknown": _("Unknown"),
    "none": _("Not started / no action"),
    "signed": _("Signed, not ratified"),
    "in_progress": _("In progress"),
    "done": _("Done"),
}


class Recommendation(models.Model):
    country = models.CharField(max_length=3, db_index=True)
    item = models.CharField(max_length=30, choices={k: v[1] for k, v in ITEMS.items()})
    status = models.CharField(max_length=15, choices=STATUSES, default="unknown")
    date = models.DateField(null=True, blank=True)
    evidence = models.TextField(blank=True)
    url = models.URLField(blank=True, max_length=500)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["country", "item"]
        constraints = [models.UniqueConstraint(fields=["country", "item"],
                                               name="one_entry_per_recommendation")]

    def __str__(self):
        return f"{self.country} {self.item}: {self.status}"


def progress_for(country: str) -> list[dict]:
    """The nine rows of a state's tracker: recorded entries, else the treaty snapshot,
    else unknown. ``source`` says which: "recorded" | "snapshot" | "none"."""
    from tocsin.web.tracker import treaties

    recorded = {r.item: r for r in Recommendation.objects.filter(country=country)}
    rows = []
    for key, (number, label) in ITEMS.items():
        row = {"item": key, "number": number, "label": label, "status": "unknown",
               "status_label": STATUSES["unknown"], "date": None, "evidence": "", "url": "",
               "source": "none", "as_of": None, "entry": recorded.get(key)}
        if key in recorded:
            r = recorded[key]
            row.update(status=r.status, status_label=STATUSES[r.status], date=r.date,
                       evidence=r.evidence, url=r.url, source="recorded",
                       as_of=r.updated_at.date())
        elif key in treaties.TREATIES:
            s = treaties.status(key, country)
            as_of = treaties.TREATIES[key][1]
            if s is None:
                row.update(status="none", status_label=_("No action recorded"),
                           source="snapshot", as_of=as_of)
            else:
                row.update(status=s.status, status_label=STATUSES[s.status],
                           date=s.bound or s.signed, source="snapshot", as_of=as_of,
                           evidence=(f"{s.act} {s.bound}" if s.bound else f"signed {s.signed}"))
        rows.append(row)
    return rows
