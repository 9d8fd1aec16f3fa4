"""WSGI entry point (``tocsin serve`` runs it under waitress)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tocsin.web.settings")
application = get_wsgi_application()
