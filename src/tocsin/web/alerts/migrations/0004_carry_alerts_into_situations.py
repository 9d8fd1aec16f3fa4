"""Existing alerts join situations: grouped as ``tocsin warn run`` groups new ones
(``tocsin.warning.situations.replay`` with the documented default settings; the next
run applies the home's own). The decisions found on the way are kept as the
situations' history, not notified: those alerts were notified one by one before."""

from django.db import migrations


def carry(apps, schema_editor):
    import datetime as dt

    from tocsin.warning import situations

    Alert = apps.get_model("alerts", "Alert")
    Situation = apps.get_model("alerts", "Situation")
    SituationChange = apps.get_model("alerts", "SituationChange")
    rows = list(Alert.objects.filter(baseline=False, situation__isnull=True))
    if not rows:
        return
    clock: dict[str, dt.date] = {}
    for r in rows:
        clock[r.country] = max(clock.get(r.country, r.week), r.week)
    grouping = situations.replay([situations.AlertIn.of(r) for r in rows], clock,
                                 situations.SituationSettings())
    made = {}
    for s in grouping.situations.values():
        made[s.key] = Situation.objects.create(
            key=s.key, country=s.country, unit=s.unit, opened_week=s.opened_week,
            last_week=s.last_week, severity=s.current_severity() or s.severity or "low",
            notified_severity=s.notified_severity, last_notice_week=s.last_notice_week,
            status=s.status, reason=s.reason, closed_week=s.closed_week)
    for d in grouping.decisions:
        SituationChange.objects.create(
            situation=made[d.situation], kind=d.kind, week=d.week, actor_name="migration",
            from_severity=d.previous_severity, to_severity=d.severity, reason=d.reason,
            alerts=list(d.alerts), notify=False, fanned_out=True,
            to_status="closed" if d.kind == "closed" else "")
    by_key = {r.key: r for r in rows}
    for key, (situation, inhibited) in grouping.members.items():
        row = by_key[key]
        row.situation = made[situation]
        row.inhibited = inhibited
        row.save(update_fields=["situation", "inhibited"])


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0003_situations"),
    ]

    operations = [
        migrations.RunPython(carry, migrations.RunPython.noop),
    ]
