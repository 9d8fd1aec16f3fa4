from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "E-mail open alerts to the people subscribed in the site (each alert once)."

    def handle(self, *args, **options):
        from tocsin.web.inbox.notify import deliver

        results = deliver(settings.HOME)
        ok = sum(r["ok"] for r in results)
        self.stdout.write(f"notifications: {ok} sent, {len(results) - ok} failed")
