from django.core.management.base import BaseCommand, CommandError

from tocsin.errors import InputError


class Command(BaseCommand):
    help = ("Import forecasts written by `tocsin forecast predict` (CSV) into the site, "
            "for the watch list and the country pages.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--model", default="", help="a label for the model (optional)")

    def handle(self, *args, files, model="", **options):
        # Django passes the positional arguments in ``options`` (``files``), not ``args``.
        from tocsin.web.countries.forecasts import import_csv

        for f in files:
            try:
                n = import_csv(f, model=model)
            except (OSError, InputError) as exc:  # bad input: exit 2, naming the file
                raise CommandError(str(exc), returncode=2) from exc
            self.stdout.write(f"{f}: {n} forecasts imported")
