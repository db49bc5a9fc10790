"""Settings for the benchmark: the production settings (DEBUG off, the real middleware stack) on PostgreSQL,
with a bench-only URLconf that adds the bare view, and persistent database connections as a production
server keeps them."""

import os
import warnings

os.environ.setdefault("DATABASE_URL", "postgres://ido_bench:ido_bench@127.0.0.1:5432/ido_bench")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-in-production-0123456789abcdef")
# A fixed Fernet key (32 bytes, URL-safe base64) for the bench database only; it holds no personal data.
os.environ.setdefault("IDO_ENCRYPTION_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1wcm9kdWN0biE=")
# The in-process client speaks plain HTTP: no redirect to HTTPS, no secure-only cookies.
os.environ.setdefault("IDO_HTTPS", "false")
# Without this every request would open a new PostgreSQL connection and the figures would measure that.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from ido.conf.settings import *  # noqa: F403
from ido.conf.settings import DATABASES, MIDDLEWARE

if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise RuntimeError("The benchmark runs on PostgreSQL only: set DATABASE_URL=postgres://...")

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Outermost: records the time spent inside the middleware stack and the view, as a Server-Timing header.
MIDDLEWARE = ["bench.views.ServerTimingMiddleware", *MIDDLEWARE]
# Pages render {% static %}; the benchmark does not need collectstatic's manifest.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = False
# Static files are not served in the benchmark; whitenoise would warn that they were never collected.
warnings.filterwarnings("ignore", message="No directory at")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
