"""Sensitive evidence and every document sealed at rest (issue 16; ``tocsin.vault``).

The fields become sealed fields, and what an existing database holds is sealed with the
key file's primary key: sensitive evidence's text, URL, date, event and document hash,
the original names of sensitive uploads, every uploaded document, the text of every
signed version. Without a key file (production, where it is not made on first use)
nothing is sealed yet and everything stays readable; ``tocsin manage
create_evidence_keys`` (or ``rotate_evidence_key`` once a key file is there) seals it
later. Backwards, the values are opened again."""

from pathlib import Path

from django.conf import settings
from django.db import migrations, models

import tocsin.web.assessments.models


def _ring(required=None):
    from tocsin import config, vault

    return vault.load(Path(settings.MEDIA_ROOT).parent, required=not config.production()
                      if required is None else required)


def seal(apps, schema_editor):
    from tocsin.web.assessments.evidence import reseal

    ring = _ring()
    if ring is None:
        print(f"\n  evidence not sealed: no key file ({_path()}); it stays readable until "
              "`tocsin manage create_evidence_keys` seals it")
        return
    reseal(ring, (apps.get_model("assessments", "Evidence"),
                  apps.get_model("assessments", "Version")), Path(settings.MEDIA_ROOT))


def _path():
    from tocsin import vault

    return vault.key_path(Path(settings.MEDIA_ROOT).parent)


def unseal(apps, schema_editor):
    from tocsin import vault

    ring = _ring(required=False)
    if ring is None:
        return
    Evidence = apps.get_model("assessments", "Evidence")
    Version = apps.get_model("assessments", "Version")
    data_f = Evidence._meta.get_field("data")
    for pk, data, name in Evidence.objects.values_list("pk", "data", "filename"):
        if data_f.is_sealed(data) or vault.is_sealed_text(name):
            opened = data_f.open_value(data, ring) if data_f.is_sealed(data) else data
            # A plain JSONField value: the sealed field would seal it again.
            Evidence.objects.filter(pk=pk).update(
                data=models.Value(opened, output_field=models.JSONField()),
                filename=ring.open_text(name, "evidence.filename"))
    for pk, text in Version.objects.values_list("pk", "text"):
        Version.objects.filter(pk=pk).update(text=ring.open_text(text, "version.text"))
    root = Path(settings.MEDIA_ROOT) / "evidence"
    for path in root.rglob("*") if root.is_dir() else ():
        if path.is_file() and vault.is_sealed_bytes(path.read_bytes()[:32]):
            path.write_bytes(ring.open(path.read_bytes(), "evidence.document"))


class Migration(migrations.Migration):

    dependencies = [
        ("assessments", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="evidence",
            name="data",
            field=tocsin.web.assessments.models.SealedEvidenceData(default=dict),
        ),
        migrations.AlterField(
            model_name="evidence",
            name="document",
            field=models.FileField(blank=True,
                                   storage=tocsin.web.assessments.models.sealed_storage,
                                   upload_to=tocsin.web.assessments.models.upload_to),
        ),
        migrations.AlterField(
            model_name="evidence",
            name="filename",
            field=tocsin.web.assessments.models.SealedIfSensitive(blank=True),
        ),
        migrations.AlterField(
            model_name="version",
            name="text",
            field=tocsin.web.assessments.models.SealedText(),
        ),
        migrations.RunPython(seal, unseal),
    ]
