"""Settings for every environment, read from the environment (django-environ).

The embedded default (no variables set) is SQLite, Celery eager, console e-mail: what `make run`
serves. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and uses
`labportal.settings.production`.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    REDIS_URL=(str, ""),
    EMAIL_URL=(str, "consolemail://"),
    DEFAULT_FROM_EMAIL=(str, "labportal@localhost"),
    MEDIA_ROOT=(str, str(BASE_DIR / "var" / "media")),
    STATIC_ROOT=(str, str(BASE_DIR / "var" / "static")),
)
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "captcha",
    "rules",
    "kernel",
    "accounts",
    "applications",
    "reviews",
    "evaluations",
    "labportal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kernel.audit.AuditContextMiddleware",  # audit records name the client's address and who acted
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "labportal.urls"
WSGI_APPLICATION = "labportal.wsgi.application"

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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins (django-axes, `accounts.login_guard`): a user name and client address *pair* is locked after
# AXES_FAILURE_LIMIT failures, for LOGIN_COOL_OFF_MINUTES and twice as long each time after; from
# LOGIN_CAPTCHA_AFTER failures of a name (from anywhere) or an address, the form asks for a captcha. Nobody can lock
# another person out. The address is the one the trusted proxies saw (THROTTLE_TRUSTED_PROXIES).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = "accounts.login_guard.cool_off"
AXES_CLIENT_IP_CALLABLE = "kernel.throttle.client_ip"
AXES_RESET_ON_SUCCESS = True
LOGIN_COOL_OFF_MINUTES = env.int("LOGIN_COOL_OFF_MINUTES", default=15)
LOGIN_CAPTCHA_AFTER = env.int("LOGIN_CAPTCHA_AFTER", default=3)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
CAPTCHA_LENGTH = 5
CAPTCHA_FONT_SIZE = 30
CAPTCHA_IMAGE_SIZE = (150, 50)
CAPTCHA_TIMEOUT = 5  # minutes

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env("MEDIA_ROOT")  # private: never served directly, only through permission-checking views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploads: checked by content (applications.uploads), limited in size.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
# List exports (`kernel.exports`): CSV streams any number of rows; an XLSX file is built in the request,
# so it stops at this many (a few seconds of work) and points to the filters or the CSV.
EXPORT_XLSX_MAX_ROWS = env.int("EXPORT_XLSX_MAX_ROWS", default=5000)
FILE_UPLOAD_PERMISSIONS = 0o640

vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)  # seconds; a stalled mail server fails the task, which retries

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when REDIS_URL is set, otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")  # the queue tasks queued by tasks go to
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

OBJECTIONS_PER_HOUR_PER_ADDRESS = env.int("OBJECTIONS_PER_HOUR_PER_ADDRESS", default=5)
OBJECTION_LOOKUPS_PER_HOUR_PER_ADDRESS = env.int("OBJECTION_LOOKUPS_PER_HOUR_PER_ADDRESS", default=10)
# How many reverse proxies append to X-Forwarded-For (the client address for throttles).
THROTTLE_TRUSTED_PROXIES = env.int("THROTTLE_TRUSTED_PROXIES", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["kernel.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kernel.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "kernel.api.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "kernel.api.PortalMetadata",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "labportal API",
    # Markdown, as Swagger UI renders it: a path with <placeholders> goes in a code span, or it is taken for HTML tags.
    "DESCRIPTION": (
        "State Quality & Standards Laboratory portal (国家质量标准实验室) under the 2023 Measures of SAMR and MIIT.\n\n"
        "Every list and object is what the caller may see. A status changes only through a transition: "
        "`POST /api/<resource>/<id>/transitions/<name>/` with `{\"comment\": \"...\"}` and the action's own fields; "
        "the actions the caller may take now are listed in the object's `available_transitions`.\n\n"
        "Errors: `400` invalid data or a rule of the Measures (`article` names it), `403` not allowed for you, "
        "`404` not found or not visible, `409` not possible in the current state."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Periods the Measures leave to implementing rules (Art. 13): shown in the UI.
RETURNED_DOSSIER_FIX_WORKING_DAYS = env.int("RETURNED_DOSSIER_FIX_WORKING_DAYS", default=15)
SUPPLEMENT_FIX_WORKING_DAYS = env.int("SUPPLEMENT_FIX_WORKING_DAYS", default=10)
PUBLICITY_WORKING_DAYS = env.int("PUBLICITY_WORKING_DAYS", default=5)
# The host's time to answer a proposed termination or removal in writing (陈述申辩), from the day after notice.
ADVERSE_STATEMENT_WORKING_DAYS = env.int("ADVERSE_STATEMENT_WORKING_DAYS", default=10)
# Expert rounds: the scoring period a new round gets unless staff set another, and the share of each entry's
# assigned experts that suffices to conclude when staff record why the others' opinions are not awaited
# (without a reason, every assigned expert must have submitted).
ROUND_SCORING_WORKING_DAYS = env.int("ROUND_SCORING_WORKING_DAYS", default=10)
ROUND_QUORUM_WITH_REASON = env.str("ROUND_QUORUM_WITH_REASON", default="2/3")

# The coordination office as the public pages show it (unset: a default name and hours; the rest left out).
PORTAL_CONTACT_NAME = env("PORTAL_CONTACT_NAME", default="")
PORTAL_CONTACT_ADDRESS = env("PORTAL_CONTACT_ADDRESS", default="")
PORTAL_CONTACT_PHONE = env("PORTAL_CONTACT_PHONE", default="")
PORTAL_CONTACT_EMAIL = env("PORTAL_CONTACT_EMAIL", default="")
PORTAL_CONTACT_HOURS = env("PORTAL_CONTACT_HOURS", default="")

# Absolute links in e-mails and calendar feeds.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# The audit trail (`kernel.audit`, GB/T 22239-2019 8.1.4.3, GB/T 39786-2021): each record is chained to the one
# before it by a keyed hash, HMAC-SM3 (GB/T 32905) or HMAC-SHA-256. The key comes from the environment (production
# requires it, at least 32 characters); unset, dev and test derive one from SECRET_KEY. Changing the key or the
# algorithm later makes every earlier record fail verification: set them once.
AUDIT_HMAC_ALGORITHM = env("AUDIT_HMAC_ALGORITHM", default="sm3")  # "sm3" | "sha256"
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY", default="")
# Records older than this many days are purged daily (a checkpoint keeps the chain verifiable); GB/T 22239-2019
# asks for at least 6 months, so a system check refuses less than 183.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
