"""Django's ``migrate``, after carrying a database of an older layout forward.

Every way the site's database is migrated passes here (``tocsin.web.setup``,
``tocsin manage migrate``, the test database), so no path can run the migrations
on a database whose tables still carry the names of an earlier release.
"""

from django.core.management.commands import migrate
from django.db import connections

from tocsin.web.upgrade import carry_forward


class Command(migrate.Command):
    def handle(self, *args, **options):
        carry_forward(connections[options["database"]])
        return super().handle(*args, **options)
