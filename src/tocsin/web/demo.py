"""Demo data for the site: the worked assessment and one account per role.

``tocsin manage demo_setup --assessment examples/assessment.yaml`` (or ``setup()``
from Python after ``tocsin.web.setup(home)``) migrates, imports the assessment once, and
(re)creates the demo accounts with fresh random passwords, which it returns so
they can be printed once. Running it again gives new passwords and imports nothing
twice.
"""

from __future__ import annotations

import secrets
from pathlib import Path

DEMO_USERS = [
    # username, role, what they do in the demo
    ("admin", "administrator", "manages people and reads the audit log"),
    ("focal", "focal_point", "owns the country's assessments: review, sign-off, export"),
    ("assessor", "assessor", "rates indicators with evidence (a government assessor)"),
    ("contributor", "contributor", "adds evidence and comments (civil society)"),
    ("viewer", "viewer", "reads the assessment and its reports"),
]


def setup(assessment_path: Path | str) -> tuple[object, list[dict]]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from tocsin.assessment.io import load_assessment
    from tocsin.web.accounts.models import CountryRole
    from tocsin.web.assessments import convert
    from tocsin.web.assessments.models import Assessment
    from tocsin.web.audit.context import acting

    call_command("migrate", interactive=False, verbosity=0)
    # The watch list and country pages need forecasts: the bundled model's, for 2024.
    call_command("demo_forecasts", verbosity=0)
    model = load_assessment(assessment_path)
    User = get_user_model()
    accounts = []
    with acting(None, name="demo_setup"), transaction.atomic():
        row = Assessment.objects.filter(country=model.country, framework_id=model.framework,
                                        document__date=model.date.isoformat()).first()
        if row is None:
            row = convert.from_model(model, status="draft")
        entries = list(row.assessors.all())
        gov = next((e for e in entries if e.affiliation == "government"), entries[0])
        cso = next((e for e in entries if e.affiliation == "civil-society" and e != gov), None)
        for username, role, job in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, email=f"{username}@demo.invalid")
            user.set_password(password)
            user.is_superuser = role == "administrator"
            user.is_active = True
            user.save()
            if role in ("focal_point", "viewer"):
                CountryRole.objects.get_or_create(user=user, country=row.country, role=role)
            elif role == "assessor":
                row.assessors.filter(user=user).exclude(pk=gov.pk).update(user=None)
                gov.user, gov.role = user, "assessor"
                gov.save()
            elif role == "contributor" and cso is not None:
                row.assessors.filter(user=user).exclude(pk=cso.pk).update(user=None)
                cso.user, cso.role = user, "contributor"
                cso.save()
            accounts.append({"username": username, "password": password, "role": role,
                             "job": job})
    return row, accounts
