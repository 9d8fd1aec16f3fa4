"""The taxonomy: source codes -> classes -> framework indicators and triggers."""

from __future__ import annotations

import csv
import gzip

import pytest

from tocsin.events import taxonomy


def test_every_framework_reference_resolves():
    from tocsin.framework import load_framework

    frameworks = {fid: load_framework(fid) for fid in ("un-foa-2014", "sg-2013")}
    tx = taxonomy.load()
    assert tx.refs(), "the taxonomy names no indicators"
    dangling = []
    for class_id, ref in tx.refs():
        doc = ref.split(":", 1)[0]
        try:
            frameworks[doc].resolve(ref)
        except KeyError:
            dangling.append((class_id, ref))
    assert not dangling


def test_triggers_are_sg_2013_triggers_and_indicators_are_foa():
    from tocsin.framework import load_framework

    sg = load_framework("sg-2013")
    trigger_ids = {t.id for t in sg.triggers}
    for c in taxonomy.load().classes.values():
        assert all(r.startswith("un-foa-2014:") for r in c.bears_on), c.id
        assert all(r.startswith("sg-2013:") and r.split(":")[1] in trigger_ids
                   for r in c.triggers), c.id


@pytest.mark.parametrize("class_id,indicator,trigger", [
    ("violence-against-civilians", "un-foa-2014:7.8", None),
    ("sexual-violence", "un-foa-2014:7.9", None),
    ("coup", "un-foa-2014:8.4", "sg-2013:unconstitutional-change"),
    ("displacement", "un-foa-2014:7.10", "sg-2013:mass-displacement"),
    ("protest", "un-foa-2014:1.10", "sg-2013:internal-unrest"),
    ("armed-clash", "un-foa-2014:8.1", "sg-2013:armed-hostilities"),
    ("assassination", "un-foa-2014:8.5", "sg-2013:assassination"),
])
def test_key_links(class_id, indicator, trigger):
    c = taxonomy.load().classes[class_id]
    assert indicator in c.bears_on
    if trigger:
        assert trigger in c.triggers


def test_cameo_longest_prefix():
    tx = taxonomy.load()
    assert tx.class_for_cameo("1821") == "sexual-violence"
    assert tx.class_for_cameo("182") == "assault"
    assert tx.class_for_cameo("145") == "riot"
    assert tx.class_for_cameo("141") == "protest"
    assert tx.class_for_cameo("202") == "mass-killing"
    assert tx.class_for_cameo("0834") == "material-cooperation"
    for root in range(1, 21):
        assert tx.class_for_cameo(f"{root:02d}") != "other"


def test_ucdp_types():
    assert taxonomy.load().ucdp == {"1": "armed-clash", "2": "armed-clash",
                                    "3": "violence-against-civilians"}


def test_every_acled_type_in_the_samples_is_mapped(acled_dir):
    tx = taxonomy.load()
    known = {(r["event_type"].lower(), r.get("sub_event_type", "").lower()) for r in tx.acled}
    seen = set()
    for path in acled_dir.glob("*.csv*"):
        opener = gzip.open if path.suffix == ".gz" else open
        enc = "cp1252" if "legacy" in path.name else "utf-8"
        with opener(path, "rt", encoding=enc, newline="") as f:
            for row in csv.DictReader(f):
                row = {k.lower(): v for k, v in row.items() if k}
                seen.add((row["event_type"].strip().lower(),
                          (row.get("sub_event_type") or "").strip().lower()))
    assert seen - known == set()
    assert len(seen) >= 20
