"""Revising a final assessment keeps what the file does not hold (issue 16): every
uploaded document (the same bytes, a copy of its own), its file name and type, and who
added each item, so a contributor still sees their own sensitive evidence in the new
draft; deleting the draft leaves the signed version's files alone."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

TEXT = "Witness C-5 told us of the lists at the office of the chief"
NAME = "C-5 interview.txt"
BODY = b"C-5: they wrote down the names of every household"


def _final_with_contributor_upload(client, world):
    from tocsin.web.assessments.models import Evidence, Rating

    a = world.ken
    entry = a.assessors.get(user=world.users["contributor"])
    item = Rating.objects.filter(entry__assessment=a, kind="indicator").first().item
    client.force_login(world.users["contributor"])
    p = f"ev-indicator-{item}"
    resp = client.post(reverse("assessments:add_evidence", args=[a.pk, "indicator", item]),
                       {f"{p}-text": TEXT, f"{p}-sensitive": "on",
                        f"{p}-document": SimpleUploadedFile(NAME, BODY, "text/plain")})
    assert resp.status_code in (200, 302)
    ev = Evidence.objects.get(rating__entry=entry, data__sensitive=True, document__gt="")
    client.force_login(world.users["focal"])
    for step in ("submit", "finalise"):
        client.post(reverse("assessments:status", args=[a.pk]), {"action": step})
    return ev


def _set(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None}


def _revise(client, world):
    from tocsin.web.assessments.models import Assessment

    client.force_login(world.users["focal"])
    resp = client.post(reverse("assessments:revise", args=[world.ken.pk]))
    assert resp.status_code == 302
    return Assessment.objects.get(previous=world.ken)


def test_a_revision_keeps_documents_and_who_added_each_item(client, world):
    from tocsin.web.assessments.models import Evidence

    ev = _final_with_contributor_upload(client, world)
    new = _revise(client, world)
    olds = list(Evidence.objects.filter(rating__entry__assessment=world.ken)
                .select_related("rating__entry").order_by("rating__entry__key", "rating__kind",
                                                          "rating__item", "position", "id"))
    news = list(Evidence.objects.filter(rating__entry__assessment=new)
                .select_related("rating__entry").order_by("rating__entry__key", "rating__kind",
                                                          "rating__item", "position", "id"))
    assert len(olds) == len(news) and len(olds) >= 4
    for o, n in zip(olds, news, strict=True):
        assert (o.rating.entry.key, o.rating.kind, o.rating.item) == \
            (n.rating.entry.key, n.rating.kind, n.rating.item)
        assert _set(n.data) == _set(o.data) and n.added_by_id == o.added_by_id
        assert (n.filename, n.content_type) == (o.filename, o.content_type)
        assert bool(n.document) == bool(o.document)
        if o.document:
            assert n.document.name != o.document.name  # a copy of its own
            assert n.document.open("rb").read() == o.document.open("rb").read()
    mine = next(n for n in news
                if n.added_by_id == world.users["contributor"].pk and n.document)
    assert mine.document.open("rb").read() == BODY and mine.filename == NAME
    assert mine.added_by == world.users["contributor"] == ev.added_by
    # The contributor still sees their own sensitive item, and its file, in the draft.
    client.force_login(world.users["contributor"])
    resp = client.get(reverse("assessments:evidence_file", args=[mine.pk]))
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == BODY
    page = client.get(reverse("assessments:rate_section", args=[new.pk, mine.rating.item
                                                                .split(".")[0]]))
    assert TEXT in page.content.decode()
    # ... and another assessor does not.
    client.force_login(world.users["assessor"])
    assert client.get(reverse("assessments:evidence_file", args=[mine.pk])).status_code == 404


def test_deleting_the_revision_leaves_the_signed_versions_files(
        client, world, django_capture_on_commit_callbacks):
    from tocsin.web.assessments.models import Evidence

    ev = _final_with_contributor_upload(client, world)
    new = _revise(client, world)
    copies = [e.document.path for e in Evidence.objects.filter(rating__entry__assessment=new)
              .exclude(document="")]
    client.force_login(world.users["focal"])
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("assessments:delete", args=[new.pk]))
    assert resp.status_code == 302
    import os

    assert copies and not any(os.path.exists(p) for p in copies)  # the draft's copies go
    ev.refresh_from_db()
    assert ev.document.open("rb").read() == BODY  # the signed version's file stays
