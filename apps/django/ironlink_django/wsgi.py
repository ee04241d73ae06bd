"""WSGI entry point for a production server, e.g. `gunicorn ironlink_django.wsgi` run in apps/django."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ironlink_django.settings")
application = get_wsgi_application()
