"""The recommendations tracker: a country x recommendation matrix, seeded from the
treaty snapshot with its date, replaced by what a focal point records, recommendation 2
read from the state's assessments (issue 14, item 3)."""

from __future__ import annotations

import re

from django.urls import reverse


def _selected(body: str, name: str) -> str:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.S)
    assert select, name
    return re.search(r'<option value="([^"]*)" selected', select.group(1)).group(1)


def test_tracker_seeded_from_treaty_snapshot_with_date(watch_admin, watch_world):
    from tocsin.web.tracker.models import progress_for

    rows = {r["item"]: r for r in progress_for("KEN")}
    # Kenya acceded to the Rome Statute in 2005 (UNTC); the snapshot has it.
    rs = rows["rome_statute"]
    assert rs["status"] == "done" and rs["source"] == "snapshot"
    assert str(rs["as_of"]) == "2013-02-15"
    assert rows["focal_point"]["status"] == "unknown"
    body = watch_admin.get(reverse("tracker:overview")).content.decode()
    assert "Not current status" in body


def test_banner_states_the_snapshots_true_dates(watch_admin, watch_world):
    """The files' latest actions run from 15 Feb 2013 to 16 Jun 2014 (data/README.md),
    not to 2015."""
    for url in (reverse("tracker:overview"), reverse("tracker:country", args=["KEN"])):
        body = watch_admin.get(url).content.decode()
        assert "15 Feb 2013 to 16 Jun 2014" in body, url
        assert "2013–2015" not in body and "2015" not in body, url


def test_the_matrix_fits_a_screen_and_filters(watch_admin, watch_world):
    from tocsin.web.tracker.views import PER_PAGE

    resp = watch_admin.get(reverse("tracker:overview"))
    rows = re.findall(r'<tr id="row-([A-Z]{3})"', resp.content.decode())
    assert 0 < len(rows) <= PER_PAGE == 25
    assert resp.context["total"] > 150 and resp.context["page"].paginator.num_pages > 1
    # One region: Kenya is in sub-Saharan Africa, Myanmar is not.
    body = watch_admin.get(reverse("tracker:overview"),
                           {"region": "sub-saharan-africa", "q": "k"}).content.decode()
    assert 'id="row-KEN"' in body and 'id="row-MMR"' not in body
    # States with any record: those with an assessment the reader sees, or an entry.
    resp = watch_admin.get(reverse("tracker:overview"), {"show": "recorded"})
    shown = set(re.findall(r'<tr id="row-([A-Z]{3})"', resp.content.decode()))
    assert shown == {"KEN", "UGA", "MMR"}
    # Compact cells: badges, not nine long words per row.
    table = resp.content.decode().split('id="tracker"', 1)[1].split("</table>")[0]
    shown = re.sub(r"<[^>]+>", " ", table)  # the text, not the tooltips
    assert "Not started / no action" not in shown and "Unknown" not in shown


def test_edit_form_shows_the_stored_status(client, watch_world):
    """The form showed "Unknown" where the table said "Done" (issue 14)."""
    client.force_login(watch_world.users["focal"])
    page = client.get(reverse("tracker:country", args=["KEN"]))
    body = page.content.decode()
    assert _selected(body, "rome_statute-status") == "done"  # the snapshot's
    assert body.count('class="trackerform"') == 1  # one form for the nine rows, not nine
    assert body.count(">Save</button>") == 1
    form = page.context["form"]
    shown = {name: form[name].value() or "" for name in form.fields}  # as a browser sends
    resp = client.post(reverse("tracker:country", args=["KEN"]), {
        **shown, "arms_trade_treaty-status": "done",
        "arms_trade_treaty-date": "2020-01-01",
        "arms_trade_treaty-evidence": "Checked on the UNTC page"})
    assert resp.status_code == 302
    from tocsin.web.tracker.models import Recommendation, progress_for

    row = {r["item"]: r for r in progress_for("KEN")}["arms_trade_treaty"]
    assert (row["status"], row["source"], str(row["date"])) == ("done", "recorded", "2020-01-01")
    # Only the changed row was recorded: the untouched snapshot rows stay the snapshot's.
    assert list(Recommendation.objects.filter(country="KEN").values_list("item", flat=True)
                ) == ["arms_trade_treaty"]
    body = client.get(reverse("tracker:country", args=["KEN"])).content.decode()
    assert _selected(body, "arms_trade_treaty-status") == "done"


def test_recommendation_2_comes_from_the_assessments(client, watch_world):
    from tocsin.web.tracker.models import progress_for

    w = watch_world
    ken = w.ken
    rows = {r["item"]: r for r in progress_for("KEN", w.users["viewer"])}
    na = rows["national_assessment"]
    assert (na["status"], na["source"]) == ("in_progress", "assessment")  # a draft
    client.force_login(w.users["viewer"])
    body = client.get(reverse("tracker:country", args=["KEN"])).content.decode()
    assert reverse("assessments:detail", args=[ken.pk]) in body
    ken.status = "final"
    ken.save()
    rows = {r["item"]: r for r in progress_for("KEN", w.users["viewer"])}
    assert rows["national_assessment"]["status"] == "done"
    # Someone who may not see Kenya's assessments is not told about them.
    rows = {r["item"]: r for r in progress_for("KEN", w.users["focal_mmr"])}
    assert rows["national_assessment"]["source"] == "none"


def test_a_row_is_edited_in_place(client, watch_world):
    client.force_login(watch_world.users["focal"])
    url = reverse("tracker:row", args=["KEN"])
    form = client.get(url, {"edit": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert form.startswith('<tr id="row-KEN" class="editing">')
    assert 'form="row-form-KEN"' in form and 'name="focal_point-status"' in form
    assert 'name="national_assessment-status"' not in form  # read from the assessments
    statuses = dict(re.findall(r'name="([a-z_]+-status)"[^>]*>.*?<option value="([^"]*)" '
                               r'selected', form, re.S))
    assert statuses["rome_statute-status"] == "done"
    resp = client.post(url, {**statuses, "focal_point-status": "done"},
                       HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    row = resp.content.decode()
    assert row.startswith('<tr id="row-KEN">') and "<select" not in row
    from tocsin.web.tracker.models import Recommendation

    assert Recommendation.objects.get(country="KEN", item="focal_point").status == "done"
    # Another state's focal point may not.
    client.force_login(watch_world.users["focal_mmr"])
    assert client.get(url, {"edit": "1"}).status_code == 403


def test_treaty_names_all_map_to_iso3():
    from tocsin.web.tracker import treaties

    snap = treaties.snapshot()
    counts = {t: sum(1 for (tt, _c) in snap if tt == t) for t in treaties.TREATIES}
    # README: 147, 153 and 118 participants
    assert counts == {"genocide_convention": 147, "rome_statute": 153, "arms_trade_treaty": 118}
    bound = {t: sum(1 for (tt, _c), s in snap.items() if tt == t and s.bound)
             for t in treaties.TREATIES}
    assert bound == {"genocide_convention": 146, "rome_statute": 122, "arms_trade_treaty": 41}


def test_every_state_of_the_snapshot_has_a_region():
    from tocsin.web.tracker import treaties
    from tocsin.web.tracker.regions import region_of

    missing = {c for (_t, c) in treaties.snapshot()} - set(region_of())
    assert not missing
