"""``tocsin manage rotate_evidence_key``: a new evidence key, everything sealed again with
it, the old key retired. Resumable and crash-safe (see ``handle``)."""


from django.core.management.base import BaseCommand, CommandError

from tocsin.errors import InputError
from tocsin.web.assessments.models import site_home


def _usage_lines(usage: dict) -> list[str]:
    lines = []
    for part in ("rows", "documents"):
        counts = usage[part]
        if not counts:
            lines.append(f"  {part}: none")
        for key, n in sorted(counts.items(), key=lambda kv: str(kv[0])):
            lines.append(f"  {part}: {n} sealed with {key}" if key else
                         f"  {part}: {n} not sealed")
    return lines


class Command(BaseCommand):
    help = ("Rotate the evidence key: add a new key to the key file (TOCSIN_EVIDENCE_KEYS) "
            "and make it primary, seal every sensitive evidence, signed version and "
            "document with it (in committed batches; run again after a crash and it goes "
            "on where it stopped), then retire the old keys. --status only reports.")

    def add_arguments(self, parser):
        parser.add_argument("--status", action="store_true",
                            help="show the keys and what each seals; change nothing")

    def handle(self, *args, status=False, **options):
        from tocsin import vault
        from tocsin.web.assessments import evidence
        from tocsin.web.audit.context import acting
        from tocsin.web.audit.log import record

        home = site_home()
        try:
            ring = vault.load(home)
        except InputError as exc:
            raise CommandError(str(exc)) from exc
        path = ring.path
        if status:
            self.stdout.write(f"key file {path}: primary {ring.primary}; keys "
                              f"{', '.join(sorted(ring.keys))}")
            for line in _usage_lines(evidence.usage(ring)):
                self.stdout.write(line)
            return
        if len(ring.keys) > 1:
            # A rotation that did not finish (or keys merged by hand): finish it.
            self.stdout.write(f"going on with the rotation to key {ring.primary} "
                              f"(old keys {', '.join(k for k in ring.keys if k != ring.primary)})")
        else:
            ring = vault.add_key(path)
            self.stdout.write(f"added key {ring.primary} to {path}; it seals from now on")
        old = sorted(k for k in ring.keys if k != ring.primary)
        done = evidence.reseal(ring, echo=self.stdout.write)
        left = evidence.usage(ring)
        stale = {part: {k: n for k, n in counts.items() if k != ring.primary}
                 for part, counts in left.items()}
        if any(stale.values()):
            raise CommandError("some values are not sealed with the new key yet (written "
                               "meanwhile?); run the command again:\n"
                               + "\n".join(_usage_lines(stale)))
        ring = vault.retire(path, old)
        with acting(None, name="rotate_evidence_key"):
            record("update", None, object_type="evidence-key", object_id=ring.primary,
                   after={"key": ring.primary, "retired": old,
                          "rows": sum(n for k, n in done.items() if k != "document"),
                          "documents": done.get("document", 0)})
        self.stdout.write(f"sealed {sum(done.values())} values again "
                          f"({done.get('document', 0)} documents) with key {ring.primary}; "
                          f"retired {', '.join(old) or 'no key'}")
        self.stdout.write("Backups made before now need the key file as it was before this "
                          "rotation; keep a copy of it with them, apart from them.")
