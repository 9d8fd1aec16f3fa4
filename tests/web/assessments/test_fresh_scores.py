"""Every place that shows an assessment's score shows the current one (issue 14, item 1).

The score is cached by the assessment's ``updated_at``; a change to a rating, evidence
or the members must move it, or the API, the watch list and the country page keep
showing the score from before the change.
"""

from __future__ import annotations

from django.urls import reverse

from tocsin.web.assessments.models import Assessment, Evidence


def _api(client, pk) -> tuple[dict, dict]:
    rows = {r["id"]: r for r in client.get("/api/v1/assessments").json()}
    return rows[pk], client.get(f"/api/v1/assessments/{pk}").json()


def _overview_score(a) -> float:
    from tocsin.web.assessments.views.common import scorecard

    return scorecard(a)[2].overall.score


def _rated_indicator(entry):
    """An indicator the entry rated with a level, and a new level that moves the score."""
    r = next(r for r in entry.ratings.filter(kind="indicator")
             if isinstance(r.data.get("level"), int))
    return r, (0 if r.data["level"] == 3 else 3)


def test_a_changed_rating_shows_everywhere(client, watch_world):
    w = watch_world
    client.force_login(w.users["assessor"])
    ken = w.ken
    before_list, before_one = _api(client, ken.pk)  # the cache now holds the old score
    assert before_list["score"] == before_one["score"] == _overview_score(ken)
    entry = ken.assessors.get(user=w.users["assessor"])
    rating, level = _rated_indicator(entry)
    prefix = f"indicator-{rating.item}"
    resp = client.post(reverse("assessments:rate_item", args=[ken.pk, "indicator", rating.item]),
                       {f"{prefix}-level": str(level), f"{prefix}-confidence": "high",
                        f"{prefix}-comment": "changed"})
    assert resp.status_code == 302
    ken = Assessment.objects.get(pk=ken.pk)
    now = _overview_score(ken)
    assert now != before_list["score"]  # the change moves the score the overview shows

    after_list, after_one = _api(client, ken.pk)
    assert after_list["score"] == after_one["score"] == now
    assert after_list["updated_at"] > before_list["updated_at"]
    page = client.get(reverse("countries:country", args=[ken.country]))
    shown = {r["a"].pk: r for r in page.context["assessments"]}[ken.pk]
    assert shown["score"] == now
    watch = client.get(reverse("countries:watch_list"), {"q": ken.country})
    from tocsin.web.countries.data import latest_assessments

    assert latest_assessments(w.users["assessor"])[ken.country]["score"] == now
    assert watch.status_code == 200


def test_added_and_removed_evidence_and_members_mark_the_assessment_changed(client,
                                                                             watch_world):
    w = watch_world
    ken = w.ken
    client.force_login(w.users["assessor"])
    stamp = Assessment.objects.get(pk=ken.pk).updated_at
    entry = ken.assessors.get(user=w.users["assessor"])
    item = entry.ratings.filter(kind="indicator").first().item
    resp = client.post(f"/api/v1/assessments/{ken.pk}/indicators/{item}/evidence",
                       {"text": "A published report", "url": "https://example.org/r"},
                       content_type="application/json")
    assert resp.status_code == 201, resp.content
    after_add = Assessment.objects.get(pk=ken.pk).updated_at
    assert after_add > stamp

    ev = Evidence.objects.get(pk=resp.json()["id"])
    resp = client.post(reverse("assessments:evidence_delete", args=[ev.pk]))
    assert resp.status_code == 302
    after_delete = Assessment.objects.get(pk=ken.pk).updated_at
    assert after_delete > after_add

    client.force_login(w.users["focal"])
    spare = ken.assessors.filter(user=None).first()
    resp = client.post(reverse("assessments:members", args=[ken.pk]), {
        "link-entry": spare.pk, "link-username": w.users["viewer"].username,
        "link-role": "contributor"})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert Assessment.objects.get(pk=ken.pk).updated_at > after_delete
