"""WSGI entry point (``tocsin serve`` runs it under waitress; any WSGI server can).

The home comes from TOCSIN_HOME. Migrations are not applied here: several workers
importing this at once must not race to migrate (``tocsin manage migrate`` does it).
"""

from django.core.handlers.wsgi import WSGIHandler

from tocsin.web import setup

setup(migrate=False)
application = WSGIHandler()
