"""The portal's one settings module.

Every deployment knob comes from the environment with a safe development default, so a
fresh clone runs with nothing set: SQLite in the project folder and Celery tasks run eagerly.
PostgreSQL and Redis come in through DATABASE_URL and REDIS_URL (CI, docker-compose,
production).
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from empowerment.kernel.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Debug only when asked for (`make run`, the test configuration): a bare start, the image and
# docker-compose are production, so a forgotten variable never serves debug pages.
DEBUG = env_bool("DJANGO_DEBUG", False)

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
# A key shorter than this, or built from fewer distinct characters ('abcde' * 12), can be
# guessed; sessions, password-reset links and signed values all rest on it.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 20


def secret_key_problem(key: str) -> str | None:
    """Why `key` may not sign anything in production, or None when it may."""
    if not key:
        return "DJANGO_SECRET_KEY must be set to a long random value when DJANGO_DEBUG is off."
    if key == _DEV_SECRET_KEY or key.startswith("django-insecure"):
        return "DJANGO_SECRET_KEY is the development key; generate a random one."
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        return (
            f"DJANGO_SECRET_KEY is too weak for production: use at least "
            f"{SECRET_KEY_MIN_LENGTH} random characters ({SECRET_KEY_MIN_DISTINCT} distinct)."
        )
    return None


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if DEBUG:
    # DEBUG is on only when DJANGO_DEBUG asked for it, so only then may the dev key sign.
    SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
elif _problem := secret_key_problem(SECRET_KEY):
    raise ImproperlyConfigured(_problem)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Reverse proxies in front of the app that append to X-Forwarded-For (0: none, the client
# address is REMOTE_ADDR). empowerment.kernel.ratelimit.client_address is the one reader of it.
NUM_PROXIES = int(os.environ.get("DJANGO_NUM_PROXIES", "0"))

INSTALLED_APPS = [
    "empowerment.kernel.admin_apps.PortalAdminConfig",  # django.contrib.admin with a second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_jalali",
    "simple_history",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Refresh tokens are recorded and blacklisted on rotation and revocation (issue 12).
    "rest_framework_simplejwt.token_blacklist",
    "csp",
    # The layers, lowest first (README, "Layout"): the kernel, the three domain apps, then
    # the composition (the dashboards are the one part of it with models).
    "empowerment.kernel",
    "centres",
    "programs",
    "trainees",
    "empowerment.dashboards",
]

MIDDLEWARE = [
    # First: every record of the request, other middleware's included, carries its id.
    "empowerment.middleware.RequestLogMiddleware",
    # Reads on the replica or the primary for the whole request (kernel/replicas.py).
    "empowerment.kernel.replicas.ReplicaRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Ends a session idle for SESSION_IDLE_SECONDS (empowerment/kernel/session_activity.py).
    "empowerment.kernel.session_activity.SessionIdleMiddleware",
    "empowerment.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes' rule).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "empowerment.urls"
WSGI_APPLICATION = "empowerment.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# --- A streaming replica for reads (issue 18, empowerment/kernel/replicas.py): dashboards, public
# pages and API reads (GET/HEAD) go to it; writes, the admin, tasks, commands and a person's
# reads for DATABASE_REPLICA_PIN_SECONDS after they wrote go to the primary.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    # Tests read the replica alias on the test database itself.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["empowerment.kernel.replicas.PrimaryReplicaRouter"]
# Behind PgBouncer in transaction mode (README, "How to grow") each transaction may get another
# server connection: a server-side cursor (QuerySet.iterator() on PostgreSQL) held across them
# would be lost, so the rows are fetched client-side in chunks instead.
if env_bool("DATABASE_PGBOUNCER", False):
    for _alias in DATABASES:
        DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = True
# Longer than the replica's replay lag at its worst ordinary moment (it is milliseconds on a
# healthy pair; a few seconds under a bulk import).
DATABASE_REPLICA_PIN_SECONDS = int(os.environ.get("DATABASE_REPLICA_PIN_SECONDS", "10"))
# Requests under these paths read from the primary whatever their method.
DATABASE_REPLICA_PRIMARY_PATHS = ["/admin/"]
# Always read on the primary (app labels or "app.model"): what must be fresh to be safe.
DATABASE_REPLICA_PRIMARY_MODELS = frozenset(
    {
        "sessions",
        "auth",
        "axes",
        "otp_totp",
        "otp_static",
        "token_blacklist",
        "empowerment.accessrecord",
    }
)

# --- Redis: Celery broker and cache when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "empowerment"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (namespace CELERY): JSON only, acks late, time limits; eager without a broker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL) or "memory://"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL) or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not bool(REDIS_URL))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
# A task whose worker died is put back on the queue instead of being acknowledged.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "600"))
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "540"))
CELERY_TIMEZONE = "Asia/Tehran"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With acks late, Redis hands a task whose worker died to another worker once this many
# seconds have passed since it was delivered; it must exceed the longest task (the time
# limit), or a slow task would be run a second time while the first still runs.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    # Workers look for such tasks every interval × throttle seconds (kombu's 10 × 10);
    # the worker integration test sets both to 1 to see the hand-over within seconds.
    "unacked_restore_interval": int(os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": int(os.environ.get("CELERY_UNACKED_RESTORE_THROTTLE", "10")),
}
# Where beat keeps the last run of each entry; a writable path (docker-compose: /tmp).
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "celerybeat-schedule")
)

# --- Authentication
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # A growing wait per username after failed sign-ins (empowerment/kernel/signin_delay.py).
    "empowerment.kernel.signin_delay.SignInDelayBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# From the SIGNIN_DELAY_FREE_FAILURES-th failure for a username (any address), each attempt
# waits 1, 2, 4 ... seconds after the last failure, at most SIGNIN_DELAY_MAX_SECONDS (so a
# stranger keeps the owner out for minutes at most); forgotten after a day or a success.
SIGNIN_DELAY_ENABLED = env_bool("SIGNIN_DELAY_ENABLED", True)
SIGNIN_DELAY_FREE_FAILURES = int(os.environ.get("SIGNIN_DELAY_FREE_FAILURES", "3"))
SIGNIN_DELAY_MAX_SECONDS = min(int(os.environ.get("SIGNIN_DELAY_MAX_SECONDS", "900")), 900)
SIGNIN_DELAY_MEMORY_SECONDS = int(os.environ.get("SIGNIN_DELAY_MEMORY_SECONDS", "86400"))
# Argon2id first (empowerment/kernel/hashers.py, measured by bench/hasher_bench.py); PBKDF2 kept so
# that the hashes stored before are still checked, and re-hashed with Argon2id at sign-in.
PASSWORD_HASHERS = [
    "empowerment.kernel.hashers.OWASPArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# --- Sign-in limits (issue 12). A username is locked after AXES_FAILURE_LIMIT failures from
# any addresses together, and an address after as many failures for any usernames: rotating
# addresses does not help a guesser of one password, nor rotating usernames a sprayer. The
# lock lasts AXES_COOLOFF_MINUTES after the failure that set it (failures while locked do not
# extend it), so a stranger cannot keep the owner out for more than that; administrators
# unlock at once by deleting the Access attempts rows in the admin (axes' own admin).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=min(float(os.environ.get("AXES_COOLOFF_MINUTES", "15")), 15)
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "empowerment.kernel.ratelimit.client_address"
# A success does not wipe the failures: with addresses counted on their own, it would also
# wipe the failures made for other usernames from that address (a guesser with an account
# of their own could reset the count between guesses).
AXES_RESET_ON_SUCCESS = False
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# --- Second factor (issue 12, empowerment/kernel/second_factor.py): these roles give a TOTP code
# after their password in the admin and at the API's token endpoint; anyone may turn it on.
ADMIN_SECOND_FACTOR = env_bool("ADMIN_SECOND_FACTOR", True)
ADMIN_SECOND_FACTOR_ROLES = ["administrator", "centre_manager", "hq_secretary"]
OTP_TOTP_ISSUER = "Empowerment portal"
# The API answers a lock with its own JSON error (429, Persian or English); other pages get
# axes' plain message.
AXES_LOCKOUT_CALLABLE = "empowerment.api.auth.lockout_response"

# --- Language and time: Persian first (right to left), English available; Tehran time.
LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", _("Persian")), ("en", _("English"))]
# The project's own catalogue (kernel, API, dashboards, public pages) and the templates'.
LOCALE_PATHS = [BASE_DIR / "empowerment" / "locale", BASE_DIR / "locale"]
# `manage.py seed_demo`: each layer adds its demo data on top of the same context, lowest
# layer first (the kernel's command names them here, so that it imports no app).
DEMO_SEEDERS = [
    "centres.demo",
    "centres.demo_news",
    "centres.demo_meetings",
    "programs.demo_ideas",
    "centres.demo_indicators",
    "programs.demo_training",
    "trainees.demo",
    "trainees.demo_counselling",
    "empowerment.kernel.demo_second_factor",
]
# The label `empowerment` (the kernel's models and the dashboards' summary tables) keeps its
# migration history where it has always been, with the project rather than in one layer.
MIGRATION_MODULES = {"empowerment": "empowerment.migrations"}
USE_I18N = True
TIME_ZONE = "Asia/Tehran"
USE_TZ = True

# --- Static and media. Third-party browser assets come from node_modules (npm at set-up),
# served by the app itself under /static/vendor/: no CDN.
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [BASE_DIR / "static"]
for _prefix, _path in [
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/vazirmatn", NODE_MODULES / "vazirmatn"),
]:
    if _path.exists():
        STATICFILES_DIRS.append((_prefix, _path))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "empowerment.kernel.storage.PortalStaticFilesStorage"
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# --- Private import files (issue 12) ------------------------------------------------------
# Uploaded trainee spreadsheets hold national codes and mobiles: they live outside
# MEDIA_ROOT (which the reverse proxy serves), are read only through the import's download
# view by people whose scope covers the import, and are deleted IMPORT_FILE_RETENTION_DAYS
# after upload by the beat task trainees.import_files_purge.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("DJANGO_PRIVATE_MEDIA_ROOT", BASE_DIR / "private_media"))
IMPORT_FILE_RETENTION_DAYS = int(os.environ.get("IMPORT_FILE_RETENTION_DAYS", "30"))
STORAGES["imports"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    # No base URL of its own: nothing in it has a public address.
    "OPTIONS": {
        "location": PRIVATE_MEDIA_ROOT,
        "base_url": "/private-import-files-are-not-served/",
    },
}
# --- Uploads on an object store (issue 18): with DJANGO_MEDIA_STORAGE=s3, media (news covers)
# and import uploads live in an S3-compatible store (django-storages), so that any web node or
# worker reads a file another received. The code opens them only through their storage
# (`storage.open`, `FieldFile.open`), never by a local path. Imports go under their own prefix
# (or bucket), never public: every address of theirs is signed, and none is ever handed out.
MEDIA_STORAGE = os.environ.get("DJANGO_MEDIA_STORAGE", "local")
if MEDIA_STORAGE == "s3":
    _S3 = {
        "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
        "file_overwrite": False,
    }
    if not _S3["bucket_name"]:
        raise ImproperlyConfigured("DJANGO_MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        # Covers are public: the bucket's policy makes media/ readable, addresses unsigned.
        "OPTIONS": {**_S3, "location": "media", "querystring_auth": False},
    }
    STORAGES["imports"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_S3,
            "bucket_name": os.environ.get("AWS_IMPORTS_BUCKET_NAME") or _S3["bucket_name"],
            "location": "private-imports",
            "default_acl": "private",
            "querystring_auth": True,
            "custom_domain": None,
        },
    }
elif MEDIA_STORAGE != "local":
    raise ImproperlyConfigured("DJANGO_MEDIA_STORAGE is 'local' or 's3'.")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Sessions (issue 12): a signed-in session ends after 8 hours without a request; an
# active one is carried on, written at most every 5 minutes
# (empowerment/kernel/session_activity.py).
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_HOURS", "8")) * 3600
SESSION_ACTIVITY_RESOLUTION = 300
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS

# --- Security: strict whenever debug is off, so `check --deploy` reports nothing.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Content-Security-Policy (django-csp 4): every page, admin, dashboards, public pages and
# the API docs, runs only the portal's own script files: no inline script, no eval, nothing
# from another host (Chart.js and the Vazirmatn font are served from /static/vendor/).
# Styles are the portal's own files too; the Swagger UI sets styles from script (CSSOM),
# which CSP allows. data: images are the admin's and Swagger UI's SVG icons in CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # One style attribute is allowed by its hash: the admin's Jalali date picker writes
        # style="direction:ltr" on its month arrows ('unsafe-hashes' covers hashed
        # attributes only, never an inline <style> or any other attribute).
        "style-src": [
            "'self'",
            "'unsafe-hashes'",
            "'sha256-bkxn48CiACrLaazKKuuWPAMoy6QyLH6Y+kyWE4X6BTg='",
        ],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The admin's Jalali date picker runs on the admin's own jQuery (static/js/jquery-global.js)
# rather than the jQuery 1.10 django-jalali ships, which the policy above would refuse.
JALALI_SETTINGS = {
    "ADMIN_JS_STATIC_FILES": [
        # Named so that the page loads the admin's jQuery before the shim (media merge order).
        "admin/js/jquery.init.js",
        "js/jquery-global.js",
        "admin/jquery.ui.datepicker.jalali/scripts/jquery.ui.core.js",
        "admin/jquery.ui.datepicker.jalali/scripts/jquery.ui.datepicker-cc.js",
        "admin/jquery.ui.datepicker.jalali/scripts/calendar.all.js",
        "admin/jquery.ui.datepicker.jalali/scripts/calendar.js",
        "admin/jquery.ui.datepicker.jalali/scripts/jquery.ui.datepicker-cc-fa.js",
        "admin/main.js",
    ],
}

# --- Retention (empowerment/kernel/privacy/): the nightly "retention-sweep" deletes access records
# and one-time codes older than these, and blanks the text of SMS sent longer ago.
ACCESS_RECORD_RETENTION_DAYS = int(os.environ.get("ACCESS_RECORD_RETENTION_DAYS", "365"))
OTP_RETENTION_DAYS = int(os.environ.get("OTP_RETENTION_DAYS", "30"))
SMS_BODY_RETENTION_DAYS = int(os.environ.get("SMS_BODY_RETENTION_DAYS", "90"))

# --- Outgoing messages (the outbox: empowerment.kernel.models.OutboxMessage)
SMS_BACKEND = os.environ.get("SMS_BACKEND", "empowerment.kernel.sms.ConsoleSMSBackend")
# The console backend shows (and keeps in memory) each SMS's text only in development: the
# text carries one-time codes.
SMS_CONSOLE_SHOW_TEXT = env_bool("SMS_CONSOLE_SHOW_TEXT", DEBUG)
SMS_API_KEY = os.environ.get("SMS_API_KEY", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "")
SMS_BASE_URL = os.environ.get("SMS_BASE_URL", "https://api.kavenegar.com")
SMS_TIMEOUT = float(os.environ.get("SMS_TIMEOUT", "10"))
# A failed send is tried again after 30 s, 60 s, 120 s, ... up to this many attempts.
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "5"))
OUTBOX_RETRY_BASE_SECONDS = int(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "30"))
# A queued message not sent this long after it was due (its dispatch to the broker was
# lost) is dispatched again by the sweep (beat, every OUTBOX_SWEEP_SECONDS, default 60).
OUTBOX_SWEEP_AFTER_SECONDS = int(os.environ.get("OUTBOX_SWEEP_AFTER_SECONDS", "120"))

# --- Residents' sign-in by one-time code (SMS)
OTP_LENGTH = 6
OTP_TTL_SECONDS = int(os.environ.get("OTP_TTL_SECONDS", "120"))
OTP_MAX_ATTEMPTS = int(os.environ.get("OTP_MAX_ATTEMPTS", "5"))
# Codes one mobile may be sent per window, whichever page or endpoint asks (SMS cost guard).
OTP_MAX_PER_MOBILE = int(os.environ.get("OTP_MAX_PER_MOBILE", "5"))
OTP_MOBILE_WINDOW_SECONDS = int(os.environ.get("OTP_MOBILE_WINDOW_SECONDS", "3600"))
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")
# The SMTP server of EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (the digest).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))

# Rotating DJANGO_SECRET_KEY: the old key(s) here keep sessions and signed links valid for a
# while (README, Operations). JWTs and one-time codes use the current key only.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")

# Counselling notes are sealed at rest (empowerment/kernel/sealed.py): one or more Fernet
# keys, comma-separated, newest first. Unset: a key derived from SECRET_KEY (development and
# tests; a system check warns when DEBUG is off).
COUNSELLING_NOTES_KEY = os.environ.get("COUNSELLING_NOTES_KEY", "")
# The public portal's address as residents reach it, for links sent by SMS outside a request
# (a counselling booking's cancel link, the unsubscribe link of a followed commitment).
PUBLIC_SITE_URL = os.environ.get("PUBLIC_SITE_URL", "http://localhost:8000").rstrip("/")

# --- Backups (empowerment/kernel/backups.py, `make backup`, `make restore FILE=...`): where they
# are written, and a passphrase that encrypts them with gpg (AES-256) when set.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", BASE_DIR / "backups"))
BACKUP_ENCRYPT_KEY = os.environ.get("BACKUP_ENCRYPT_KEY", "")

# --- Demo data may be loaded on a production database only when asked explicitly.
SEED_DEMO_ALLOWED = env_bool("SEED_DEMO_ALLOWED", DEBUG)

# --- REST API (empowerment/api/): JWT for mobile clients, the session for the browser.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "centres.api.base.schema.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "centres.api.base.authentication.JWTAuthentication",
        "centres.api.base.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "centres.api.base.filters.FilterBackend",
        "centres.api.base.filters.PersianSearchFilter",
        "centres.api.base.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "centres.api.base.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "centres.api.base.throttling.UserAndIPThrottle",
    ],
    "EXCEPTION_HANDLER": "centres.api.base.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
}
# Requests per period ("N/second|minute|hour|day") for each throttle scope of
# centres/api/base/throttling.py. Sign-in and one-time codes are the strict ones.
API_THROTTLE_RATES = {
    "user": os.environ.get("API_THROTTLE_USER", "120/minute"),
    "ip": os.environ.get("API_THROTTLE_IP", "300/minute"),
    "sign_in": os.environ.get("API_THROTTLE_SIGN_IN", "10/minute"),
    "otp_request_ip": os.environ.get("API_THROTTLE_OTP_REQUEST_IP", "20/hour"),
    "otp_request_mobile": os.environ.get("API_THROTTLE_OTP_REQUEST_MOBILE", "5/hour"),
    "otp_verify": os.environ.get("API_THROTTLE_OTP_VERIFY", "10/minute"),
    # Public certificate verification pages, per client address (found or not).
    "certificate_verify": os.environ.get("API_THROTTLE_CERTIFICATE_VERIFY", "30/minute"),
}
# Access tokens live at most 5 minutes (an access token cannot be recalled; see
# empowerment/kernel/credentials.py). A refresh token works once: renewing it gives a new one and
# blacklists the old, so a stolen copy used after its owner dies at once (and vice versa).
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": datetime.timedelta(
        minutes=min(int(os.environ.get("JWT_ACCESS_MINUTES", "5")), 5)
    ),
    "REFRESH_TOKEN_LIFETIME": datetime.timedelta(days=int(os.environ.get("JWT_REFRESH_DAYS", "7"))),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": True,
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "CHECK_USER_IS_ACTIVE": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Empowerment portal API",
    "DESCRIPTION": (
        "REST API of the empowerment and employment centres. Sign in with "
        "`POST /api/v1/auth/token/` (staff) or the one-time code by SMS (residents), then "
        "send `Authorization: Bearer <access>`. Errors are JSON of the `Error` shape, in "
        "Persian or English by `Accept-Language`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "centres.api.base.schema.untitled_parameters",
    ],
    # Several models have a "status" with its own choices: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "CohortStatusEnum": "programs.models.training.Cohort.Status",
        "IdeaStatusEnum": "programs.models.ideas.Idea.Status",
        "EnrolmentStatusEnum": "trainees.models.Enrolment.Status",
        "AttendanceStatusEnum": "trainees.models.Attendance.Status",
        "TrackedStatusEnum": "centres.models.TrackedStatus",
    },
}

# --- Logging (empowerment/kernel/logs.py): timestamp, level, logger and request id on every line
# of Django, gunicorn and Celery; query-string values and national-code or mobile shapes
# scrubbed; DJANGO_LOG_FORMAT=json for JSON lines (log collectors).
LOGGING = logging_config(
    fmt=os.environ.get("DJANGO_LOG_FORMAT", "text"),
    level=os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
)
# The worker and beat log through LOGGING too (empowerment/celery.py), not Celery's format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Readiness (/readyz, empowerment/kernel/health.py): the worker and beat write a heartbeat
# every 15 s (beat ticks at least every CELERY_BEAT_MAX_LOOP_INTERVAL s); older than this is stale.
HEALTH_HEARTBEAT_MAX_AGE = int(os.environ.get("HEALTH_HEARTBEAT_MAX_AGE", "90"))
CELERY_BEAT_SCHEDULER = "empowerment.kernel.heartbeats:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 15
