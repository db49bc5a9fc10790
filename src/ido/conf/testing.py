"""Settings for the test suite: the production settings with a throw-away key and test-only speed-ups."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("IDO_HTTPS", "false")
# Tests change terms with queryset updates (no signals) and flush the database: read the lists every time.
# tests/registrations/test_vocabulary_cache.py turns the cache on to test it.
os.environ.setdefault("IDO_VOCABULARY_CACHE_SECONDS", "0")
# A fixed test key (Fernet: 32 bytes, URL-safe base64); never used outside the tests.
os.environ.setdefault("IDO_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24=")

from ido.conf.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
IDO_SMS_BACKEND = "memory"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads of the tests go to a folder of their own that is thrown away with the process's temporary files.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="ido-test-media-"))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
