from django.core.management.base import BaseCommand, CommandError

from tocsin.errors import InputError


class Command(BaseCommand):
    help = ("Migrate, import a worked assessment once, and create one demo account per role "
            "with fresh random passwords (printed once).")

    def add_arguments(self, parser):
        parser.add_argument("--assessment", required=True, help="assessment YAML file")

    def handle(self, *args, assessment, **options):
        from tocsin.web.demo import setup

        try:
            row, accounts = setup(assessment)
        except InputError as exc:
            raise CommandError(str(exc)) from exc
        from tocsin.web.assessments.models import Assessment
        from tocsin.web.demo import DRAFT_TITLE

        self.stdout.write(f"Assessment: {row.title} ({row.country}, "
                          f"{row.get_status_display().lower()}) at /assessments/{row.pk}/")
        draft = Assessment.objects.filter(title=DRAFT_TITLE).first()
        if draft is not None:
            self.stdout.write(f"Draft: {draft.title} ({draft.country}) at "
                              f"/assessments/{draft.pk}/")
        self.stdout.write("Demo accounts (passwords are new on every run; not stored anywhere):")
        for a in accounts:
            self.stdout.write(f"  {a['role']:<14} {a['username']:<12} {a['password']}"
                              f"   {a['job']}")
