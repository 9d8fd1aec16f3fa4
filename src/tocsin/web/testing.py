"""A small world of users and assessments for the tests (and nothing else)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "assessment.yaml"
PASSWORD = "correct horse battery staple 42"


@dataclass
class World:
    users: dict = field(default_factory=dict)
    ken: object = None
    uga: object = None
    sensitive: object = None       # sensitive evidence on KEN, added by "assessor"
    other_sensitive: object = None  # sensitive evidence on KEN, added by "assessor2"
    public: object = None           # ordinary evidence on KEN, with a document
    uga_evidence: object = None


@lru_cache(maxsize=1)
def example_model():
    from tocsin.assessment.io import load_assessment

    return load_assessment(EXAMPLE)


def build_world() -> World:
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile

    from tocsin.web.accounts.models import CountryRole
    from tocsin.web.assessments import convert
    from tocsin.web.assessments.models import Evidence, Rating

    User = get_user_model()
    w = World()
    for name in ("admin", "focal", "viewer", "assessor", "assessor2", "contributor",
                 "focal_uga", "outsider"):
        w.users[name] = User.objects.create_user(name, f"{name}@test.invalid", PASSWORD,
                                                 is_superuser=(name == "admin"))
    model = example_model()
    w.ken = convert.from_model(model)
    CountryRole.objects.create(user=w.users["focal"], country=w.ken.country, role="focal_point")
    CountryRole.objects.create(user=w.users["viewer"], country=w.ken.country, role="viewer")
    entries = list(w.ken.assessors.all())
    gov = [e for e in entries if e.affiliation == "government"]
    cso = [e for e in entries if e.affiliation == "civil-society"]
    gov[0].user = w.users["assessor"]
    gov[0].save()
    other = (gov[1:] or cso[1:] or [e for e in entries if e not in (gov[0], cso[0])])[0]
    other.user = w.users["assessor2"]
    other.save()
    cso[0].user, cso[0].role = w.users["contributor"], "contributor"
    cso[0].save()

    uga_model = model.model_copy(update={"country": "UGA", "title": "Uganda test assessment"})
    w.uga = convert.from_model(uga_model)
    CountryRole.objects.create(user=w.users["focal_uga"], country="UGA", role="focal_point")

    def add(entry, sensitive, text, doc=None):
        rating = Rating.objects.filter(entry=entry, kind="indicator").first()
        ev = Evidence(rating=rating, data={"text": text, "sensitive": sensitive},
                      added_by=entry.user)
        if doc:
            ev.filename, ev.content_type = "note.txt", "text/plain; charset=utf-8"
            ev.document.save("upload", ContentFile(doc), save=False)
        ev.save()
        return ev

    w.sensitive = add(gov[0], True, "Witness W-17 saw the militia meeting", b"secret")
    w.other_sensitive = add(other, True, "Source in the district office", b"secret2")
    w.public = add(gov[0], False, "Published report of the commission", b"public")
    uga_entry = w.uga.assessors.first()
    w.uga_evidence = add(uga_entry, False, "Ugandan source", b"uga")
    return w


def load_world() -> World | None:
    """The world that ``build_world`` made, read back from the database (None if absent)."""
    from django.contrib.auth import get_user_model

    from tocsin.web.assessments.models import Assessment, Evidence

    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(email__endswith="@test.invalid")}
    if "focal" not in users:
        return None
    w = World(users=users)
    w.ken = Assessment.objects.get(country="KEN", previous=None, title__startswith="Illustr")
    w.uga = Assessment.objects.get(country="UGA", title="Uganda test assessment")
    by_text = {e.data["text"]: e for e in Evidence.objects.all()}
    w.sensitive = by_text["Witness W-17 saw the militia meeting"]
    w.other_sensitive = by_text["Source in the district office"]
    w.public = by_text["Published report of the commission"]
    w.uga_evidence = by_text["Ugandan source"]
    return w
