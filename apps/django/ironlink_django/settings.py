"""Settings, all from the environment (see README.md). No database: sessions are files."""
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # apps/django
REPO_ROOT = BASE_DIR.parent.parent


def _flag(name):
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _required(name, why):
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is not set: {why}")
    return value


DEBUG = _flag("DJANGO_DEBUG")
PORT = os.environ.get("DJANGO_PORT") or "8000"
PUBLIC_URL = (os.environ.get("DJANGO_PUBLIC_URL") or f"http://127.0.0.1:{PORT}").rstrip("/")
IRONLINK_ISSUER = (os.environ.get("IRONLINK_ISSUER") or os.environ.get("LOGIN_URL") or "http://127.0.0.1:5000").rstrip("/")
OIDC_CLIENT_ID = os.environ.get("DJANGO_OIDC_CLIENT_ID") or "django"
OIDC_CLIENT_SECRET = _required(
    "DJANGO_OIDC_CLIENT_SECRET",
    "the client secret this app shares with the sign-in app (its entry in IRONLINK_OIDC_CLIENTS); "
    "`npm run dev` makes one in .data/django-oidc-secret",
)
DATA_DIR = Path(os.environ.get("DJANGO_DATA_DIR") or REPO_ROOT / ".data" / "django")
SESSION_FILE_PATH = str(DATA_DIR / "sessions")
SESSION_INDEX_DIR = DATA_DIR / "session-index"
for directory in (SESSION_FILE_PATH, SESSION_INDEX_DIR):
    os.makedirs(directory, mode=0o700, exist_ok=True)


def _secret_key():
    if os.environ.get("DJANGO_SECRET_KEY"):
        return os.environ["DJANGO_SECRET_KEY"]
    if not DEBUG:
        _required("DJANGO_SECRET_KEY", "it signs this app's cookies (set DJANGO_DEBUG=1 for a generated development key)")
    # Development: one generated key, kept so sessions survive restarts.
    path = DATA_DIR / "secret-key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
_public = urlsplit(PUBLIC_URL)
ALLOWED_HOSTS = sorted({_public.hostname or "127.0.0.1", "127.0.0.1", "localhost"})
SECURE = _public.scheme == "https"

INSTALLED_APPS = ["django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "ironlink_django.urls"
WSGI_APPLICATION = "ironlink_django.wsgi.application"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [BASE_DIR / "ironlink_django" / "templates"]}]
DATABASES = {}

# The fleet's apps share the host 127.0.0.1 (cookies ignore ports): names of our own, so no cookie of theirs is touched.
SESSION_ENGINE = "django.contrib.sessions.backends.file"
SESSION_COOKIE_NAME = "ironlink_django_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"  # Lax, not Strict: the provider's redirect back to /oidc/callback must carry it
SESSION_COOKIE_SECURE = SECURE
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_NAME = "ironlink_django_csrftoken"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = SECURE

# Small bodies only: a logout token is about a kilobyte.
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
USE_TZ = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"ironlink_django": {"handlers": ["console"], "level": "INFO"}},
}
