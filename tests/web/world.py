"""The worlds the site's tests run in (test code only; the fixtures are in conftest.py).

``build_world``: two countries, one assessment each, one account per role. KEN is the
worked example, with focal point, viewer, assessor (government entry), contributor
(civil-society entry), another assessor; UGA a second assessment with its own focal
point, so that crossing countries can be tested.

``events_home``: real data for the watch list, the country pages, the alerts inbox and
the API. The bundled UCDP GED Myanmar 2021 and GDELT samples are ingested once per
test session into their own home, the weekly signals refreshed and the default alert
rules run, as ``tocsin warn run`` does; the test then stores the alerts with
``tocsin.web.alerts.store.save`` (the command's own path) into the test database.
Forecasts are the bundled model's, for 2024 and 2023, as written by
``bundled_forecasts`` (files in ``data/``, see its README).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "assessment.yaml"
SAMPLES = REPO / "src" / "tocsin" / "events" / "samples"
DATA = Path(__file__).resolve().parent / "data"
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
    w.ken = convert.from_model(model, status="draft")  # the file says in-review
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
    w.uga = convert.from_model(uga_model, status="draft")
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


@cache
def events_home() -> tuple[Path, tuple, tuple[Path, ...]]:
    """(home with events and signals, the alerts detection found there, forecast files),
    made once per test session."""
    from tocsin.events.ingest import ingest
    from tocsin.warning import signals
    from tocsin.warning.alerts import detect_alerts
    from tocsin.warning.rules import load_rules

    home = Path(tempfile.mkdtemp(prefix="tocsin-watch-"))
    ingest(home, [SAMPLES / "ucdp_ged_myanmar_2021.csv.gz",
                  SAMPLES / "gdelt2_20191024143000.export.CSV.gz"], echo=lambda s: None)
    signals.refresh(home)
    alerts = tuple(detect_alerts(home, load_rules(home, [])))
    paths = (DATA / "forecast-2024.csv", DATA / "forecast-2023.csv")
    return home, alerts, paths


def build_watch_world(w: World, settings) -> World:
    """``w`` plus the real data of ``events_home`` (its alerts stored as ``tocsin warn
    run`` stores them, the bundled forecasts imported), an MMR draft assessment with its
    own focal point and assessor, and an API token per user. ``settings`` is
    pytest-django's fixture: the site reads the events from that home."""
    from django.contrib.auth import get_user_model

    from tocsin.web.accounts.models import CountryRole
    from tocsin.web.alerts import store
    from tocsin.web.alerts.models import Alert
    from tocsin.web.api.models import ApiToken
    from tocsin.web.assessments import convert
    from tocsin.web.countries.forecasts import import_csv

    home, alerts, paths = events_home()
    settings.HOME = home
    stored = store.save(alerts)
    w.alerts = list(Alert.objects.filter(pk__in=stored.created).order_by("pk"))
    w.mmr_alert = next(a for a in w.alerts if a.country == "MMR"
                       and a.rule == "mass-killing-event")
    for p in paths:
        import_csv(p, model="bundled")
    User = get_user_model()
    for name in ("focal_mmr", "assessor_mmr"):
        w.users[name] = User.objects.create_user(name, f"{name}@test.invalid", PASSWORD)
    CountryRole.objects.create(user=w.users["focal_mmr"], country="MMR", role="focal_point")
    w.mmr = convert.from_model(example_model().model_copy(
        update={"country": "MMR", "title": "Myanmar test assessment"}), status="draft")
    entry = w.mmr.assessors.filter(affiliation="government").first()
    entry.user = w.users["assessor_mmr"]
    entry.save()
    w.tokens = {}
    for name, user in w.users.items():
        w.tokens[name] = ApiToken.issue(user, f"{name} test")[1]
    w.viewer_token_row = ApiToken.objects.get(user=w.users["viewer"])
    fw = convert.framework(w.mmr.framework_id)
    # Alerts name indicators with their framework ("un-foa-2014:7.8"); ratings by id.
    w.indicator = fw.own(w.mmr_alert.indicators[0]["ref"])
    assert w.indicator in fw.indicators
    return w
