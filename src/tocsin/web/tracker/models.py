"""Follow-up of the seven recommendations of the Secretary-General's 2013 report
(A/67/929-S/2013/399, section V), per state.

Recommendation 3 (treaties) is split into its three named instruments. Each row is
what a focal point or an administrator recorded: status, date, evidence. Where
nobody has recorded a treaty, the tracker shows the bundled UNTC snapshot with its
as-of date instead (``treaties.py``), never as current status. Recommendation 2 (a
national assessment) is read from the country's assessments in Tocsin that the reader
may see: the latest is final (done) or a draft or in review (in progress).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# key -> (recommendation number, label)
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
# key -> the column's heading in the country x recommendation matrix
SHORT = {
    "focal_point": _("Focal point"),
    "national_assessment": _("National assessment"),
    "genocide_convention": _("Genocide Convention"),
    "rome_statute": _("Rome Statute"),
    "arms_trade_treaty": _("Arms Trade Treaty"),
    "regional_cooperation": _("Regional support"),
    "peer_review": _("Peer review"),
    "partnerships": _("Partnerships"),
    "discussions": _("Discussions"),
}
# key -> the label of recommendation 3's instruments: 3a, 3b, 3c
LETTERS = {"genocide_convention": "a", "rome_statute": "b", "arms_trade_treaty": "c"}
# the treaty acts of the UNTC snapshot (treaties.ACTS), as shown
ACT_NAMES = {"ratification": _("ratification"), "accession": _("accession"),
             "succession": _("succession"), "acceptance": _("acceptance"),
             "approval": _("approval")}
DERIVED = "national_assessment"  # read from the assessments, where there is one
STATUSES = {
    "unknown": _("Unknown"),
    "none": _("Not started / no action"),
    "signed": _("Signed, not ratified"),
    "in_progress": _("In progress"),
    "done": _("Done"),
}
# the same, as short as a cell of the matrix (its in-place editor)
SHORT_STATUSES = {
    "unknown": _("Unknown"),
    "none": pgettext_lazy("tracker status", "None"),
    "signed": pgettext_lazy("treaty", "Signed"),
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


def _row(key: str) -> dict:
    number, label = ITEMS[key]
    return {"item": key, "number": number, "ref": f"{number}{LETTERS.get(key, '')}",
            "label": label, "short": SHORT[key], "status": "unknown",
            "status_label": STATUSES["unknown"], "date": None, "evidence": "", "url": "",
            "source": "none", "as_of": None, "entry": None, "assessments": []}


def latest_assessments(user, countries=None) -> dict[str, list]:
    """country -> the assessments of the country that ``user`` may see, latest first
    (highest version, then last changed); {} without a user."""
    from tocsin.web import policy

    if user is None:
        return {}
    qs = policy.visible_assessments(user).order_by("country", "-version", "-updated_at")
    if countries is not None:
        qs = qs.filter(country__in=list(countries))
    out: dict[str, list] = {}
    for a in qs.only("pk", "country", "title", "status", "version", "updated_at"):
        out.setdefault(a.country, []).append(a)
    return out


def assessment_status(assessments: list) -> str | None:
    """Recommendation 2's status from the country's assessments, latest first: final is
    done, a draft or one in review is in progress; None without any."""
    from tocsin.assessment import workflow

    if not assessments:
        return None
    return "done" if assessments[0].status == workflow.SIGNED else "in_progress"


def progress(countries, user=None) -> dict[str, list[dict]]:
    """country -> the nine rows of its tracker: recorded entries, else the treaty
    snapshot, else unknown; recommendation 2 from the assessments ``user`` may see,
    if any. ``source`` says which: "recorded" | "snapshot" | "assessment" | "none".
    A few queries for any number of countries."""
    from tocsin.web.tracker import treaties

    countries = list(countries)
    recorded: dict[str, dict[str, Recommendation]] = {}
    for r in Recommendation.objects.filter(country__in=countries):
        recorded.setdefault(r.country, {})[r.item] = r
    assessed = latest_assessments(user, countries)
    out = {}
    for country in countries:
        mine = recorded.get(country, {})
        rows = []
        for key in ITEMS:
            row = _row(key)
            row["entry"] = mine.get(key)
            derived = assessment_status(assessed.get(country, [])) if key == DERIVED else None
            if derived is not None:
                found = assessed[country]
                row.update(status=derived, status_label=STATUSES[derived], source="assessment",
                           assessments=found, as_of=found[0].updated_at.date())
            elif key in mine:
                r = mine[key]
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
                    act = ACT_NAMES.get(s.act, s.act) if s.bound else _("signature")
                    row.update(status=s.status, status_label=STATUSES[s.status],
                               date=s.bound or s.signed, source="snapshot", as_of=as_of,
                               evidence=f"{act} {s.bound or s.signed}")
            rows.append(row)
        out[country] = rows
    return out


def progress_for(country: str, user=None) -> list[dict]:
    """The nine rows of one state's tracker (see ``progress``); recommendation 2 from
    the assessments ``user`` may see (none without a user)."""
    return progress([country], user)[country]


def has_record(rows: list[dict]) -> bool:
    """Whether anything was recorded for the state, or it has an assessment in Tocsin."""
    return any(r["source"] in ("recorded", "assessment") for r in rows)
