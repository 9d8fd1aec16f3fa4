def test_pages_render_for_focal_point(client, world):
    client.force_login(world.users["focal"])
    for url in ["/", f"/assessments/{world.ken.pk}/", f"/assessments/{world.ken.pk}/rate/",
                f"/assessments/{world.ken.pk}/gaps/", f"/assessments/{world.ken.pk}/members/",
                f"/assessments/{world.ken.pk}/rate/measures/",
                f"/assessments/{world.ken.pk}/rate/triggers/"]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.content[:2000])
