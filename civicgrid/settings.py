"""CivicGrid settings: every knob is an environment variable with a safe development default.

``.env.example`` lists them all.
"""

import importlib.util
from pathlib import Path

import dj_database_url

from civicgrid.lib.env import envbool, envchoice, envint, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", "True")
SECRET_KEY = envsecret("SECRET_KEY", "dev-only-insecure-key-change-me")
if not DEBUG and SECRET_KEY.startswith("dev-only"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set SECRET_KEY (or SECRET_KEY_FILE) when DEBUG=False")
ALLOWED_HOSTS = [h for h in envstr("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "civicgrid.geo",
    "civicgrid.org",
    "civicgrid.categories",
    "civicgrid.cases",
    "civicgrid.open311",
    "civicgrid.notify",
    "civicgrid.privacy",
    "civicgrid.web",
    "civicgrid.grievances",
    "civicgrid.tips",
    "civicgrid.disputes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "civicgrid.urls"
WSGI_APPLICATION = "civicgrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "civicgrid.web.context.navigation",
            ],
        },
    },
]

# SQLite (WAL) is the embedded default; DATABASE_URL=postgres://... selects PostgreSQL.
SQLITE_PATH = envstr("SQLITE_PATH", str(BASE_DIR / "var" / "civicgrid.sqlite3"))
DATABASE_URL = envstr("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    postgres = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    # The hot statements of ``lib/rows.py`` (a submission's inserts, the API key lookup) bind
    # on the server and are prepared after a few runs on a connection; the ORM's own queries
    # are unchanged. Behind PgBouncer in transaction mode, set its max_prepared_statements
    # or DATABASE_PREPARED_STATEMENTS=False.
    if postgres and envbool("DATABASE_PREPARED_STATEMENTS", "True"):
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                # WAL lets readers work while one writer commits; IMMEDIATE takes the write
                # lock at BEGIN so two writers queue instead of failing half-way.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
                    "PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = envstr("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = envstr("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Leaflet ships inside django-leaflet. Only its static files are used: installing the app would make
# the admin import GeoDjango, which needs the GDAL system library the product does not use.
STATICFILES_DIRS = [Path(importlib.util.find_spec("leaflet").origin).parent / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Outgoing mail (notifications). Development prints mail to the console.
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "False")
# A send must finish well within the notification worker's 5-minute claim.
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "20")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "CivicGrid <noreply@localhost>")

# --- CivicGrid ---------------------------------------------------------------------------
# Coordinate system of the city's polygons. Input in WGS-84 (GPS, Open311) is converted to it.
CITY_CRS = envchoice("CITY_CRS", "gcj02", ("gcj02", "wgs84"))
# Code of the city node of the region tree.
CITY_CODE = envstr("CITY_CODE", "120000")
# Working hours for deadlines counted in working hours: comma-separated HH:MM-HH:MM spans.
WORK_HOURS = envstr("WORK_HOURS", "09:00-12:00,13:00-17:30")
# What the working calendar does for a year the official holiday data does not cover yet:
# "error" refuses to compute, "weekends" treats Monday to Friday as working days.
WORK_CALENDAR_FALLBACK = envchoice("WORK_CALENDAR_FALLBACK", "weekends", ("error", "weekends"))
# Absolute base of links in notifications (e.g. https://civicgrid.example.gov.cn); empty: bare paths.
PUBLIC_BASE_URL = envstr("PUBLIC_BASE_URL", "").rstrip("/")
# Photos: larger uploads are refused; accepted ones are re-encoded without metadata.
MAX_PHOTO_BYTES = envint("MAX_PHOTO_BYTES", str(8 * 1024 * 1024))
# Reporters' and supporters' contacts are blanked this many days after a case ends
# (`manage.py purge_personal_data`, run daily).
PERSONAL_DATA_RETENTION_DAYS = envint("PERSONAL_DATA_RETENTION_DAYS", "180")
# Rows of the personal-data access log are deleted this many days after the read, and only once
# the data they are about has been purged (at least PERSONAL_DATA_RETENTION_DAYS).
ACCESS_LOG_RETENTION_DAYS = envint("ACCESS_LOG_RETENTION_DAYS", "730")
# Tip line: Fernet keys, comma-separated; the first encrypts, all decrypt (civicgrid/tips/crypto.py).
# Required when DEBUG=False; `manage.py rotate_tip_keys --new-key` makes one.
TIP_ENCRYPTION_KEYS = envsecret("TIP_ENCRYPTION_KEYS", "")
# The command centre's numbers of a region and period that someone read in the last this many
# minutes are kept computed ahead of the requests by `manage.py refresh_numbers`.
NUMBERS_WATCH_MINUTES = envint("NUMBERS_WATCH_MINUTES", "10")
# Threads per process that run a page's independent read-only queries beside the request's own
# (civicgrid/lib/side_by_side.py); 0 runs them one after the other.
SIDE_BY_SIDE_THREADS = envint("SIDE_BY_SIDE_THREADS", "1")
# Seed of the generated demo city (streets, communities and grids are synthetic).
DEMO_SEED = envint("DEMO_SEED", "20261129")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
