"""Demo data for the site: the worked assessment, a draft where the bundled events are,
and one account per role.

``tocsin manage demo_setup --assessment examples/assessment.yaml`` (or ``setup()``
from Python after ``tocsin.web.setup(home)``) migrates, imports the assessment once,
with the status its file gives it (the example is in review), and adds a draft
assessment of Myanmar, where the bundled UCDP GED and GDELT samples put the alerts that
``tocsin warn run`` finds: the same focal point, assessor, contributor and viewer hold
their roles in both countries, so that each role's work can be tried on the demo's own
alerts (acknowledge, assign, comment, use as evidence), ratings (rate, review) and
sign-off. It (re)creates the demo accounts with fresh random passwords, which it
returns, with what each can do where, so they can be printed once. Running it again
gives new passwords and imports nothing twice.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

DEMO_USERS = [
    # username, role
    ("admin", "administrator"),
    ("focal", "focal_point"),
    ("assessor", "assessor"),
    ("contributor", "contributor"),
    ("viewer", "viewer"),
]
DRAFT_COUNTRY = "MMR"  # where the bundled event samples are (UCDP GED Myanmar 2021)
DRAFT_PERIOD = (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
DRAFT_TITLE = "Demo draft: Myanmar, 2021 (to try rating; not a real assessment)"
DEMO_NOTE = ("Demo rating (Myanmar 2021: the February coup, armed conflict and the "
             "crackdown on protests; see the bundled UCDP GED sample): replace it with your "
             "own judgement and evidence.")
# A few ratings of the draft's government assessor (more than half of risk factor 1, so
# that it scores), to start from; everything else is left to rate.
DRAFT_RATINGS = {"1.1": 3, "1.3": 2, "1.4": 3, "1.5": 3, "1.6": 3, "1.10": 3}


def _draft_model(example, fw):
    """The Myanmar draft: a blank template of the example's framework with the example's
    government and civil-society assessors, and a few ratings."""
    from tocsin.assessment.io import new_assessment
    from tocsin.assessment.model import IndicatorRating

    gov = next(a for a in example.assessors if a.affiliation == "government")
    cso = next(a for a in example.assessors if a.affiliation == "civil-society")
    rated = {i: IndicatorRating(level=lvl, confidence="medium", comment=DEMO_NOTE)
             for i, lvl in DRAFT_RATINGS.items() if i in fw.indicators}
    people = [gov.model_copy(update={"indicators": rated, "measures": {}, "triggers": {}}),
              cso.model_copy(update={"indicators": {}, "measures": {}, "triggers": {}})]
    model = new_assessment(fw, DRAFT_COUNTRY, period=DRAFT_PERIOD, date=dt.date.today(),
                           assessors=people)
    return model.model_copy(update={"title": DRAFT_TITLE})


def _jobs(example_row, draft_row, alert_countries: list[str]) -> dict[str, str]:
    """What each demo account can do where, as printed beside it."""
    from tocsin.countries import name

    ex, dr = name(example_row.country), name(draft_row.country)
    ex_status = example_row.get_status_display().lower()
    others = [c for c in alert_countries if c not in (example_row.country, draft_row.country)]
    alerts = f"{dr}'s alerts" if draft_row.country in alert_countries else "no alert yet"
    admin_alerts = ("every alert (" + ", ".join(alert_countries) + ")" if alert_countries
                    else "every alert")
    return {
        "admin": f"manages people, reads the audit log; acts on {admin_alerts}",
        "focal": (f"focal point for {ex} and {dr}: signs off {ex}'s assessment ({ex_status}), "
                  f"sends {dr}'s draft to review; acknowledges, assigns, comments on "
                  f"{alerts}; records both in the tracker"),
        "assessor": (f"rates {dr}'s draft (government assessor) and uses {alerts} as "
                     f"evidence in it; comments on them; reads {ex}'s assessment"),
        "contributor": (f"adds evidence and comments to {dr}'s draft (civil society), uses "
                        f"{alerts} as evidence, comments on them; reads {ex}'s assessment"),
        "viewer": (f"reads both assessments and their reports; comments on {alerts}"
                   + (f"; alerts of {', '.join(others)} are the administrator's" if others
                      else "")),
    }


def setup(assessment_path: Path | str) -> tuple[object, list[dict]]:
    """(the example's assessment row, the accounts: username, password, role, job)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from tocsin.assessment.io import load_assessment
    from tocsin.web.accounts.models import CountryRole
    from tocsin.web.alerts.models import Alert
    from tocsin.web.assessments import convert
    from tocsin.web.assessments.models import Assessment
    from tocsin.web.audit.context import acting

    call_command("migrate", interactive=False, verbosity=0)
    # The watch list and country pages need forecasts: the bundled model's, for 2024.
    call_command("demo_forecasts", verbosity=0)
    model = load_assessment(assessment_path)
    fw = convert.framework(model.framework)
    User = get_user_model()
    accounts = []
    with acting(None, name="demo_setup"), transaction.atomic():
        row = Assessment.objects.filter(country=model.country, framework_id=model.framework,
                                        document__date=model.date.isoformat()).first()
        if row is None:
            row = convert.from_model(model)  # with the file's status: in review
        draft = Assessment.objects.filter(country=DRAFT_COUNTRY, title=DRAFT_TITLE).first()
        if draft is None:
            draft = convert.from_model(_draft_model(model, fw), status="draft")
        countries = (row.country, draft.country)
        members = {}
        for a in (row, draft):
            entries = list(a.assessors.all())
            gov = next((e for e in entries if e.affiliation == "government"), entries[0])
            cso = next((e for e in entries if e.affiliation == "civil-society" and e != gov),
                       None)
            members[a.pk] = {"assessor": gov, "contributor": cso}
        alert_countries = sorted(set(Alert.objects.filter(baseline=False)
                                     .values_list("country", flat=True)))
        jobs = _jobs(row, draft, alert_countries)
        for username, role in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, email=f"{username}@demo.invalid")
            user.set_password(password)
            user.is_superuser = role == "administrator"
            user.is_active = True
            user.save()
            if role in ("focal_point", "viewer"):
                for c in countries:
                    CountryRole.objects.get_or_create(user=user, country=c, role=role)
            elif role in ("assessor", "contributor"):
                for a in (row, draft):
                    entry = members[a.pk][role]
                    if entry is None:
                        continue
                    a.assessors.filter(user=user).exclude(pk=entry.pk).update(user=None)
                    if (entry.user_id, entry.role) != (user.pk, role):
                        entry.user, entry.role = user, role
                        entry.save()
                        Assessment.touch(a.pk)
            accounts.append({"username": username, "password": password, "role": role,
                             "job": jobs[username]})
    return row, accounts
