"""The audit log becomes a hash chain (issue 16; ``audit/chain.py``): each entry's
number, the hash of the entry before and its own hash (an HMAC keyed with the audit key
of the key file), and the chain's head; the existing entries are chained in the order
they were written. Without a key file (production, before it is made) they are chained
by the first write that has one.

On PostgreSQL the append-only trigger now lets a row be chained once (its chain
columns set while it has no hash, nothing else changed) and still refuses every other
UPDATE and every DELETE."""

from pathlib import Path

from django.conf import settings
from django.db import migrations, models

TRIGGER = """
CREATE OR REPLACE FUNCTION tocsin_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.hash = ''
     AND (OLD.seq IS NULL OR OLD.seq = NEW.seq)
     AND (OLD.prev_hash = '' OR OLD.prev_hash = NEW.prev_hash)
     AND (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash')
         = (to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""
OLD_TRIGGER = """
CREATE OR REPLACE FUNCTION tocsin_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)


def old_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD_TRIGGER)


def chain(apps, schema_editor):
    from tocsin import config, vault
    from tocsin.web.audit.chain import chain_existing

    ring = vault.load(Path(settings.MEDIA_ROOT).parent, required=not config.production())
    chain_existing(apps, ring)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_append_only_trigger"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                           serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(default="", max_length=64)),
                ("legacy_until", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.RunPython(trigger, old_trigger),
        migrations.RunPython(chain, migrations.RunPython.noop),
    ]
