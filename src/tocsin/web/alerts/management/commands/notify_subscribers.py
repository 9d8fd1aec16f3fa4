from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("E-mail open alerts not yet sent to the people subscribed in the site (each "
            "alert once; tocsin warn run sends the new ones itself).")

    def handle(self, *args, **options):
        from tocsin.web.alerts.delivery import deliver_open

        results = deliver_open(settings.HOME)
        ok = sum(r["ok"] for r in results)
        people = len({r["subscriber"] for r in results if r["ok"]})
        self.stdout.write(f"notifications: {ok} sent to {people} subscriber(s), "
                          f"{len(results) - ok} failed")
