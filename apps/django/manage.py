#!/usr/bin/env python3
"""Django's command-line utility for the Ironlink Django relying party (apps/django)."""
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path


def main():
    # Tests and imports work from any working directory (e.g. the repository root):
    # the project package sits beside this file, and test discovery starts here.
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    os.chdir(here)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ironlink_django.settings")
    if sys.argv[1:2] == ["test"]:
        # The tests sign their own tokens, serve their own provider, and keep sessions in a
        # throwaway directory, whatever the environment says.
        data_dir = tempfile.mkdtemp(prefix="ironlink-django-test-")
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
        os.environ.update(
            DJANGO_DATA_DIR=data_dir,
            DJANGO_OIDC_CLIENT_SECRET="test-client-secret",
            DJANGO_SECRET_KEY="test-" + os.urandom(16).hex(),
        )
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # load the settings now: a missing one is one clear line, not a traceback
    except ImproperlyConfigured as error:
        sys.exit(f"apps/django: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
