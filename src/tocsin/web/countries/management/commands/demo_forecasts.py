from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tocsin.errors import InputError


class Command(BaseCommand):
    help = ("Write forecasts from the model bundled with Tocsin into <home>/forecasts and "
            "import them (the demo's watch list). With --ewp-data, also earlier base years "
            "(history on the country pages).")

    def add_arguments(self, parser):
        parser.add_argument("--ewp-data", type=Path, default=None,
                            help="EWP prepared-predictors CSV, as published")
        parser.add_argument("--from-year", type=int, default=2017)

    def handle(self, *args, ewp_data=None, from_year=2017, **options):
        from tocsin.web.countries.forecasts import bundled_forecasts, import_csv

        try:
            paths = bundled_forecasts(Path(settings.HOME) / "forecasts", ewp_data,
                                      range(from_year, 2024) if ewp_data else None)
            for p in paths:
                n = import_csv(p, model="bundled")
                self.stdout.write(f"{p}: {n} forecasts imported")
        except (OSError, InputError) as exc:
            raise CommandError(str(exc)) from exc
