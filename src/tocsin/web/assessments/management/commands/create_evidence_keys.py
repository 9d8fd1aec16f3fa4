"""``tocsin manage create_evidence_keys``: make the key file (production makes none on
first use), then seal what the database and uploads still hold unsealed."""


from django.core.management.base import BaseCommand, CommandError

from tocsin.errors import InputError
from tocsin.web.assessments.models import site_home


class Command(BaseCommand):
    help = ("Create the evidence key file (TOCSIN_EVIDENCE_KEYS; default "
            "$TOCSIN_HOME/keys/evidence.keys), mode 0600, and seal every sensitive evidence, "
            "signed version and document stored before it. Refuses to overwrite a key file.")

    def handle(self, *args, **options):
        from tocsin import vault
        from tocsin.web.assessments import evidence

        home = site_home()
        try:
            path = vault.key_path(home)
            ring = vault.create(path)
        except InputError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"created {path} (key {ring.primary}). Keep it secret, on another "
                          "volume than the database and uploads, and never in a backup "
                          "archive: without it sealed evidence cannot be read.")
        done = evidence.reseal(ring)
        if done:
            self.stdout.write(f"sealed {sum(done.values())} values stored before it "
                              f"({done.get('document', 0)} documents)")
