"""Fixtures for the site part 2 tests (watch list, country page, inbox, tracker, API).

Real data: the bundled UCDP GED Myanmar 2021 and GDELT samples are ingested once per
test session into their own home, the weekly signals refreshed and the default
alert rules run, exactly as ``tocsin warn run`` does; only the storing of alerts is
done here with the ORM, into the test database (the lifecycle's ``store`` would
point Django at the home's own database file). Forecasts are the bundled model's,
for 2024 and 2023, as written by ``bundled_forecasts`` (files in ``data/``, see its
README).
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "src" / "tocsin" / "events" / "samples"
DATA = Path(__file__).resolve().parent / "data"
FIELDS = ("rule", "week", "rule_name", "severity", "baseline", "source", "country", "level",
          "unit", "figures", "event_ids", "event_count", "indicators", "triggers", "options")


@cache
def events_home() -> tuple[Path, tuple]:
    """(home with events and signals, detected alerts as tuples of field values)."""
    from tocsin.events.store import ingest
    from tocsin.warning import signals
    from tocsin.warning.alerts import detect_alerts
    from tocsin.warning.rules import load_rules

    home = Path(tempfile.mkdtemp(prefix="tocsin-site2-"))
    ingest(home, [SAMPLES / "ucdp_ged_myanmar_2021.csv.gz",
                  SAMPLES / "gdelt2_20191024143000.export.CSV.gz"], echo=lambda s: None)
    signals.refresh(home)
    alerts = detect_alerts(home, load_rules(home, []))
    rows = tuple((a.key, tuple(getattr(a, f) for f in FIELDS)) for a in alerts)
    paths = (DATA / "forecast-2024.csv", DATA / "forecast-2023.csv")
    return home, rows, paths


def store_alerts(rows) -> list:
    from tocsin.web.alerts.models import Alert

    return [Alert.objects.create(key=key, **dict(zip(FIELDS, values, strict=True)))
            for key, values in rows]


@pytest.fixture
def site2(world, settings):
    """The part-1 world plus real alerts, forecasts, an MMR draft assessment with its
    own focal point and assessor, and an API token per user."""
    from tocsin.web.accounts.models import CountryRole
    from tocsin.web.api.models import ApiToken
    from tocsin.web.assessments import convert
    from tocsin.web.countries.forecasts import import_csv
    from tocsin.web.testing import PASSWORD, example_model

    home, rows, paths = events_home()
    settings.HOME = home
    world.alerts = store_alerts(rows)
    world.mmr_alert = next(a for a in world.alerts if a.country == "MMR"
                           and a.rule == "mass-killing-event")
    for p in paths:
        import_csv(p, model="bundled")
    from django.contrib.auth import get_user_model

    User = get_user_model()
    for name in ("focal_mmr", "assessor_mmr"):
        world.users[name] = User.objects.create_user(name, f"{name}@test.invalid", PASSWORD)
    CountryRole.objects.create(user=world.users["focal_mmr"], country="MMR", role="focal_point")
    world.mmr = convert.from_model(example_model().model_copy(
        update={"country": "MMR", "title": "Myanmar test assessment"}))
    entry = world.mmr.assessors.filter(affiliation="government").first()
    entry.user = world.users["assessor_mmr"]
    entry.save()
    world.tokens = {}
    for name, user in world.users.items():
        world.tokens[name] = ApiToken.issue(user, f"{name} test")[1]
    world.viewer_token_row = ApiToken.objects.get(user=world.users["viewer"])
    fw = convert.framework(world.mmr.framework_id)
    world.indicator = world.mmr_alert.indicators[0]["ref"].rpartition(":")[2]
    assert world.indicator in fw.indicators
    return world
