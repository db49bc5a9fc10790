"""Settings for IDO Platform. Every setting that differs per deployment comes from the environment;
README.md lists them with their defaults."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ido.conf.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(env_str("IDO_DATA_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-" + "x" * 20

# Keys for personal data at rest (appointments, referrals): comma-separated Fernet keys, the first encrypts, all
# decrypt (rotation: put a new key first, keep the old ones until the data has been re-encrypted or deleted).
IDO_ENCRYPTION_KEYS = env_list("IDO_ENCRYPTION_KEYS", [])
if not IDO_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "IDO_ENCRYPTION_KEYS is required when DEBUG is off. Make one with: "
        'python3 -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "ido.core",
    "ido.accounts",
    "ido.organisations",
    "ido.locations",
    "ido.registrations",
    "ido.appointments",
    "ido.referrals",
    "ido.courses",
    "ido.funding",
    "ido.api",
    "ido.public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ido.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ido.accounts.middleware.SecondFactorMiddleware",
    "ido.organisations.middleware.ActingMembershipMiddleware",
    # Axes last, as its documentation asks: it turns lock-outs into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ido.conf.urls"
WSGI_APPLICATION = "ido.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ido.organisations.context_processors.acting_membership",
                "ido.core.context_processors.languages",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    }
]

# Database: SQLite in the data folder unless DATABASE_URL says otherwise.
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'ido.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the worker and the web process share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Two-factor authentication: TOTP with backup codes, enforced unless switched off (the demo does).
IDO_ENFORCE_2FA = env_bool("IDO_ENFORCE_2FA", True)
OTP_TOTP_ISSUER = env_str("IDO_OTP_ISSUER", "IDO Platform")

# Lock-out after repeated wrong passwords.
AXES_FAILURE_LIMIT = env_int("IDO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("IDO_LOGIN_LOCKOUT_MINUTES", 15))
# Lock the account (the e-mail address), whatever the IP address: that is what protects a staff account.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Language and time.
LANGUAGE_CODE = "nl"
# The public pages (finder, location pages, booking and enrolling) come in six languages; the pages for staff in
# Dutch and English (IDO_STAFF_LANGUAGES). The non-Dutch public texts need review by native speakers.
LANGUAGES = [
    ("nl", _("Dutch")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("tr", _("Turkish")),
    ("pl", _("Polish")),
    ("uk", _("Ukrainian")),
]
IDO_STAFF_LANGUAGES = ["nl", "en"]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "ido_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

# Static files, served by whitenoise.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
# Uploaded files (evidence of spending). Served only through views that check who asks, never as static files.
MEDIA_ROOT = Path(env_str("IDO_MEDIA_ROOT", str(DATA_DIR / "media")))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_STORAGE",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# E-mail: console in development, SMTP in production.
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}[env_str("EMAIL_BACKEND", "console" if DEBUG else "smtp")]
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "IDO Platform <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers. Strict CSP everywhere; HSTS and secure cookies whenever DEBUG is off.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("IDO_SESSION_HOURS", 10) * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_PRODUCTION = not DEBUG and env_bool("IDO_HTTPS", True)
SESSION_COOKIE_SECURE = SECURE_PRODUCTION
CSRF_COOKIE_SECURE = SECURE_PRODUCTION
LANGUAGE_COOKIE_SECURE = SECURE_PRODUCTION
SECURE_SSL_REDIRECT = SECURE_PRODUCTION and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365) if SECURE_PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("IDO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# REST API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["ido.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "PAGE_SIZE": 100,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IDO Platform API",
    "DESCRIPTION": "Municipalities, your own organisation and IDO locations (read); a library's anonymous desk "
    "registrations (create and list); the national vocabularies (read); a library's appointments in consultation "
    "hours (book, list and cancel); the referrals addressed to a partner or library (read; a partner also changes "
    "their status); enrolments in digital-skills courses (a library enrols, lists and cancels). Authenticate with an "
    "organisation API token: `Authorization: Token <key>`. The consultation hours at a location and their free "
    "slots, the course catalogue and the course sessions with their free places are public: no token needed.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "LICENSE": {"name": "EUPL-1.2"},
    "COMPONENT_SPLIT_REQUEST": True,
    # Three choice sets are called `status`: these names keep the location's as it was before appointments came.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "ido.locations.models.LocationStatus",
        "AppointmentStatusEnum": "ido.appointments.models.AppointmentStatus",
        "ReferralStatusEnum": "ido.referrals.models.ReferralStatus",
        "KindEnum": "ido.organisations.models.OrganisationKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

IDO_DEMO_PASSWORD = env_str("IDO_DEMO_PASSWORD")
# The public address, for links in e-mails sent outside a request.
# Seconds each process keeps the vocabulary lists (registrations/vocabulary_cache.py); 0 turns it off.
IDO_VOCABULARY_CACHE_SECONDS = env_int("IDO_VOCABULARY_CACHE_SECONDS", 60)
# Days after an appointment that its personal data (name, phone, e-mail) is deleted; the counts stay.
IDO_APPOINTMENT_RETENTION_DAYS = env_int("IDO_APPOINTMENT_RETENTION_DAYS", 30)
IDO_BASE_URL = env_str("IDO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Days after a referral is closed that the visitor's personal data is deleted; the anonymous skeleton stays.
IDO_REFERRAL_RETENTION_DAYS = env_int("IDO_REFERRAL_RETENTION_DAYS", 30)
# Days after sending that a referral's personal data goes, also when it was never closed.
IDO_REFERRAL_MAX_OPEN_DAYS = env_int("IDO_REFERRAL_MAX_OPEN_DAYS", 90)
# Days after a course session's last meeting that the names and contact details of its people are deleted (long
# enough to reissue a certificate); the anonymous enrolments and attendance stay for the figures.
IDO_COURSE_RETENTION_DAYS = env_int("IDO_COURSE_RETENTION_DAYS", 90)

# Background work (django-tasks). "immediate" runs a task at once, in the process that queues it (development,
# tests); "database" queues it in the database for the worker (`ido db_worker`), for production.
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[env_str("IDO_TASKS_BACKEND", "immediate")]
    }
}
# Text messages (core/sms.py): "console" logs them, "file" writes one JSON line per message to
# IDO_SMS_FILE_PATH, "memory" keeps them in the process (tests); a gateway adapter is a dotted path.
IDO_SMS_BACKEND = env_str("IDO_SMS_BACKEND", "console")
IDO_SMS_FILE_PATH = env_str("IDO_SMS_FILE_PATH", str(DATA_DIR / "sms"))
IDO_SMS_SENDER = env_str("IDO_SMS_SENDER", "IDO")
# How long before an appointment the reminder goes out (`ido send_reminders`, run every few minutes).
IDO_REMINDER_HOURS_BEFORE = env_int("IDO_REMINDER_HOURS_BEFORE", 24)

# The public finder. The geocoder: "offline" (CBS postcode areas, places and municipalities shipped with the
# app) or "pdok" (the PDOK Locatieserver for full addresses, falling back to offline).
IDO_GEOCODER = env_str("IDO_GEOCODER", "offline")
IDO_PDOK_LOCATIESERVER_URL = env_str("IDO_PDOK_LOCATIESERVER_URL", "https://api.pdok.nl/bzk/locatieserver/search/v3_1")
# Searches per visitor (IP address) per minute on the finder, and citizen bookings and enrolments per hour.
IDO_SEARCH_RATE_LIMIT = env_int("IDO_SEARCH_RATE_LIMIT", 30)
IDO_PUBLIC_FORM_RATE_LIMIT = env_int("IDO_PUBLIC_FORM_RATE_LIMIT", 20)
# How many reverse proxies of our own stand in front of the app and append to X-Forwarded-For (0: none; then the
# rate limits count REMOTE_ADDR, which behind a proxy is the proxy's address for every visitor).
IDO_PROXY_COUNT = env_int("IDO_PROXY_COUNT", 0)
# The optional map on the finder: a tile URL with {z}, {x} and {y} (empty: no map, the list only). Production
# can use PDOK's BRT background map:
# https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png
IDO_MAP_TILE_URL = env_str("IDO_MAP_TILE_URL", "")
IDO_MAP_ATTRIBUTION = env_str("IDO_MAP_ATTRIBUTION", "Kaartgegevens © Kadaster")
if IDO_MAP_TILE_URL.startswith(("https://", "http://")):
    # The tiles come from another host: let the pages load images from there, and from nowhere else.
    _tile_origin = "/".join(IDO_MAP_TILE_URL.split("/")[:3])
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] = [SELF, _tile_origin]
