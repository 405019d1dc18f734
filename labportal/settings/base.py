"""Settings for every environment, read from the environment (django-environ).

The embedded default (no variables set) is SQLite, Celery eager, console e-mail: what `make run`
serves. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and uses
`labportal.settings.production`.
"""

import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from csp.constants import NONE, SELF
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
    "django.forms",  # the form widgets' own templates, for FORM_RENDERER below
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "captcha",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
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
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "kernel.request_limits.BodySizeLimitMiddleware",  # 413 in the reader's language, before anything reads the body
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kernel.audit.AuditContextMiddleware",  # audit records name the client's address and who acted
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # before the session limits, which answer htmx with a client redirect
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "kernel.personal_pages.PersonalPageCacheMiddleware",  # last: looks a page up after every gate has been passed
]

# Content-Security-Policy (django-csp): every script and style sheet is a file of our own (static/), no inline
# script, style attribute, eval or other origin; pictures may be data: URLs (captcha, QR codes). The Swagger UI page
# adds what its bundle needs (labportal/urls.py). Downloads of uploaded files carry their own, stricter policy
# (`kernel.web.file_download`).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

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
                "kernel.shared_pages.shared_csrf_token",  # after Django's own csrf, which it replaces on cached pages
            ],
        },
    },
]

# Form widgets are drawn with the project's templates (templates/django/forms/: a faster select), then Django's.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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

# Second factor (django-otp, `accounts.second_factor`): users of these role codes (and superusers and anyone with
# access to the Django admin) confirm a TOTP code, or a single-use recovery code, after their password before any
# page but the public front. Failed codes are throttled on the device (each wait twice the last) and counted by axes
# like failed logins. OTP_TOTP_ISSUER names the portal in the authenticator app.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["ministry_staff", "administrator", "expert"])
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="labportal")
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds, doubled after each failure (django-otp's throttling: keep it on)
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_RECOVERY_CODES = 10
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret or its QR code
OTP_DEMO_HINT = False  # only the dev settings may show a seeded demo account its current code

# Sessions (`accounts.middleware.SessionLifetimeMiddleware`): logged out after SESSION_IDLE_TIMEOUT_MINUTES without a
# request, and SESSION_ABSOLUTE_HOURS after the login whatever happens; the cookie ends with the browser.
SESSION_IDLE_TIMEOUT_MINUTES = env.int("SESSION_IDLE_TIMEOUT_MINUTES", default=30)
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# The Django admin's path (production: set ADMIN_PATH to something only administrators know).
ADMIN_PATH = env("ADMIN_PATH", default="admin/").strip("/") + "/"

# API tokens (`accounts.api_tokens`): a user holds named tokens, each stored as its SHA-256 only, expiring after
# API_TOKEN_LIFETIME_HOURS and revoked at logout and at a password change.
API_TOKEN_LIFETIME_HOURS = env.int("API_TOKEN_LIFETIME_HOURS", default=720)

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

# Official documents (`kernel.documents`, GB/T 9704-2012): each issuing authority's name and the 机关代字 of its
# numbers, 国市监质发〔2026〕3号. A joint document of both ministries carries the lead ministry's number. A recommending
# organisation's letters use `Organisation.document_prefix`. Configuration, not code: a deployment sets its own.
DOCUMENT_ISSUERS = {
    "joint": {"name": env("DOCUMENT_JOINT_NAME", default="国家市场监督管理总局 工业和信息化部"),
              "prefix": env("DOCUMENT_JOINT_PREFIX", default="国市监质发"),
              # signed by both ministries, each with its own key (kernel.signing), not by a key of its own
              "signed_by": ("samr", "miit")},
    "samr": {"name": env("DOCUMENT_SAMR_NAME", default="国家市场监督管理总局"),
             "prefix": env("DOCUMENT_SAMR_PREFIX", default="国市监质函")},
    "miit": {"name": env("DOCUMENT_MIIT_NAME", default="工业和信息化部"),
             "prefix": env("DOCUMENT_MIIT_PREFIX", default="工信部科函")},
}
# A document still being prepared this long after it was queued lost its worker: the next request queues it again.
DOCUMENT_RENDER_STALE_MINUTES = env.int("DOCUMENT_RENDER_STALE_MINUTES", default=15)

# Uploads: checked by content (applications.uploads), limited in size. A file is at most UPLOAD_MAX_BYTES; a request's
# body at most REQUEST_MAX_BYTES (the most files one form takes, a written statement's 10, each at the limit, plus the
# form's fields): `kernel.request_limits` answers 413 to a longer Content-Length before the body is read and stops a
# body that streams past it; the reverse proxy (deploy/nginx.conf, client_max_body_size) holds the same cap.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
UPLOAD_MAX_FILES_PER_REQUEST = 10
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=UPLOAD_MAX_FILES_PER_REQUEST * UPLOAD_MAX_BYTES + 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440  # the fields of a form or a JSON body, held in memory (2.5 MiB)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440  # a larger file goes to a temporary file as it arrives
FILE_UPLOAD_HANDLERS = [
    "kernel.request_limits.CappedUploadHandler",  # counts the bytes as they stream; stops past the caps
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Archives (Word, Excel and PowerPoint files are zips) are judged by their directory, never extracted: refused when
# they would expand past ARCHIVE_MAX_EXPANDED_BYTES, or past ARCHIVE_MAX_RATIO times their size once over the floor,
# or hold more than ARCHIVE_MAX_MEMBERS parts.
ARCHIVE_MAX_EXPANDED_BYTES = env.int("ARCHIVE_MAX_EXPANDED_BYTES", default=200 * 1024 * 1024)
ARCHIVE_MAX_RATIO = env.int("ARCHIVE_MAX_RATIO", default=100)
ARCHIVE_RATIO_FLOOR_BYTES = 10 * 1024 * 1024
ARCHIVE_MAX_MEMBERS = env.int("ARCHIVE_MAX_MEMBERS", default=10000)
# List exports (`kernel.exports`): up to EXPORT_IN_WORKER_ABOVE_ROWS rows the file is made in the request (CSV
# streamed; XLSX up to EXPORT_XLSX_MAX_ROWS for a list computed in memory); a longer list is made by a worker and
# downloaded by the person who asked, and is deleted EXPORT_RETENTION_HOURS later (hourly purge, migration 0015).
EXPORT_XLSX_MAX_ROWS = env.int("EXPORT_XLSX_MAX_ROWS", default=5000)
EXPORT_IN_WORKER_ABOVE_ROWS = env.int("EXPORT_IN_WORKER_ABOVE_ROWS", default=2000)
EXPORT_RETENTION_HOURS = env.int("EXPORT_RETENTION_HOURS", default=72)
FILE_UPLOAD_PERMISSIONS = 0o640

vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)  # seconds; a stalled mail server fails the task, which retries
# The mail outbox (`kernel.notifications`): a message is claimed before it is sent and marked once the server
# accepted it; a claim older than MAIL_CLAIM_STALE_MINUTES (longer than any send) is a dead worker's, and the
# outbox task (every 5 minutes) sends again what was never sent: claimed by a dead worker, or never queued and
# older than MAIL_OUTBOX_GRACE_SECONDS. Messages older than MAIL_OUTBOX_MAX_AGE_HOURS are not sent any more.
MAIL_CLAIM_STALE_MINUTES = env.int("MAIL_CLAIM_STALE_MINUTES", default=10)
MAIL_OUTBOX_GRACE_SECONDS = env.int("MAIL_OUTBOX_GRACE_SECONDS", default=60)
MAIL_OUTBOX_MAX_AGE_HOURS = env.int("MAIL_OUTBOX_MAX_AGE_HOURS", default=48)

REDIS_URL = env("REDIS_URL")


def redis_db_url(url, db):
    """`url` (redis://host:port/N, perhaps with a password or options) naming database `db` instead of N."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


# The broker and the cache use two Redis databases, so that a cache flush (`cache.clear()` is FLUSHDB) or an
# eviction never takes queued tasks with it: the broker (and result backend) the database REDIS_URL names (0 by
# default), the cache the next one unless REDIS_CACHE_DB says. A run given redis://.../N uses N and N+1: parallel
# runs on one Redis take numbers two apart. A system check (`kernel.checks`) refuses them equal.
_redis_url_db = urlsplit(REDIS_URL).path.strip("/")
REDIS_BROKER_DB = env.int("REDIS_BROKER_DB", default=int(_redis_url_db or 0))
REDIS_CACHE_DB = env.int("REDIS_CACHE_DB", default=REDIS_BROKER_DB + 1)
REDIS_BROKER_URL = redis_db_url(REDIS_URL, REDIS_BROKER_DB) if REDIS_URL else ""
REDIS_CACHE_URL = redis_db_url(REDIS_URL, REDIS_CACHE_DB) if REDIS_URL else ""
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "kernel.cache.RedisCache", "LOCATION": REDIS_CACHE_URL}}  # one client per pool
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The dashboards' charts (`evaluations.analytics`) are kept this long at most; a save of what they count drops them.
ANALYTICS_CACHE_SECONDS = 300
# A logged-in user's page is kept this long under their session (`kernel.personal_pages`; only with Redis, and any
# write to the database drops every copy); 0 turns the keeping off. Bigger pages are always drawn anew.
PERSONAL_PAGE_SECONDS = env.int("PERSONAL_PAGE_SECONDS", default=60)
PERSONAL_PAGE_MAX_BYTES = 512 * 1024

# Celery: Redis when REDIS_URL is set, otherwise tasks run eagerly in-process.
CELERY_BROKER_URL = REDIS_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_BROKER_URL or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")  # the queue tasks queued by tasks go to
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it has finished, and given back to the queue when its worker dies, one at a time;
# an unacknowledged task (its worker crashed) comes back after the visibility timeout, half the hourly beat of
# the sweep. Every task stops within its time limits (the sweep and the digest have longer ones, all below the
# visibility timeout), so a running task is never handed out twice; each is idempotent should it be.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker child that grew past this (KiB) while laying out a big list is replaced once its task is done.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=600_000)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)  # seconds
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=1800)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The sweep shares its work between parallel runs by locking the deadlines of a batch (SKIP LOCKED) in the batch's
# transaction. Should its worker's machine vanish mid-batch, PostgreSQL ends the session (and its locks) once it
# has been idle in its transaction this long: well within the hourly beat, far longer than any pause of a sweep.
SWEEP_LOCK_TIMEOUT_SECONDS = env.int("SWEEP_LOCK_TIMEOUT_SECONDS", default=300)

OBJECTIONS_PER_HOUR_PER_ADDRESS = env.int("OBJECTIONS_PER_HOUR_PER_ADDRESS", default=5)
OBJECTION_LOOKUPS_PER_HOUR_PER_ADDRESS = env.int("OBJECTION_LOOKUPS_PER_HOUR_PER_ADDRESS", default=10)
# Documents checked on the public verification page and API (`/verify/`, `/api/public/verify/`) from one address.
VERIFICATIONS_PER_HOUR_PER_ADDRESS = env.int("VERIFICATIONS_PER_HOUR_PER_ADDRESS", default=30)
# Personal information (PIPL): ID card numbers are encrypted in their column (`kernel.crypto`). PII_CIPHER is
# "sm4" (SM4-GCM) or "aes" (AES-256-GCM) for new values (each value records its own); PII_ENCRYPTION_KEY is the
# secret (>= 32 characters; empty: derived from SECRET_KEY, refused by production); PII_ENCRYPTION_OLD_KEYS are
# earlier secrets still read until `manage.py rotate_pii_key` has rewritten their rows.
PII_CIPHER = env("PII_CIPHER", default="sm4")
PII_ENCRYPTION_KEY = env("PII_ENCRYPTION_KEY", default="")
PII_ENCRYPTION_OLD_KEYS = env.list("PII_ENCRYPTION_OLD_KEYS", default=[])
# How many reverse proxies append to X-Forwarded-For (the client address for throttles).
THROTTLE_TRUSTED_PROXIES = env.int("THROTTLE_TRUSTED_PROXIES", default=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_tokens.VerifiedSessionAuthentication",
        "accounts.api_tokens.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["kernel.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "kernel.api_schema.PortalAutoSchema",
    "EXCEPTION_HANDLER": "kernel.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "kernel.api.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "kernel.api.PortalMetadata",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "kernel.api.PortalBrowsableAPIRenderer"],
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
    # The Art. 4 fields and Art. 3 directions are one enum each, wherever they appear (a dossier, a call's priorities).
    "ENUM_NAME_OVERRIDES": {
        "FieldEnum": "applications.choices.Field",
        "ResearchDirectionsEnum": "applications.choices.ResearchDirection",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kernel.api_schema.add_error_responses",
    ],
}

# Periods the Measures leave to implementing rules (Art. 13): shown in the UI.
RETURNED_DOSSIER_FIX_WORKING_DAYS = env.int("RETURNED_DOSSIER_FIX_WORKING_DAYS", default=15)
SUPPLEMENT_FIX_WORKING_DAYS = env.int("SUPPLEMENT_FIX_WORKING_DAYS", default=10)
PUBLICITY_WORKING_DAYS = env.int("PUBLICITY_WORKING_DAYS", default=5)
# The range of a date a person enters (`kernel.validators.sane_date`): nothing before this day, nothing more than
# this many years after today (a field may be tighter: a visit or an establishment date is never in the future).
DATE_EARLIEST = datetime.date(2000, 1, 1)
DATE_LATEST_YEARS = 30
# The host's time to answer a proposed termination or removal in writing (陈述申辩), from the day after notice.
ADVERSE_STATEMENT_WORKING_DAYS = env.int("ADVERSE_STATEMENT_WORKING_DAYS", default=10)
# Expert rounds: the scoring period a new round gets unless staff set another, and the share of each entry's
# assigned experts that suffices to conclude when staff record why the others' opinions are not awaited
# (without a reason, every assigned expert must have submitted).
ROUND_SCORING_WORKING_DAYS = env.int("ROUND_SCORING_WORKING_DAYS", default=10)
ROUND_QUORUM_WITH_REASON = env.str("ROUND_QUORUM_WITH_REASON", default="2/3")
# Art. 9: an expert's past employer stays a conflict of interest for this many years after they left it
# (a current employer always is; `reviews.conflicts`).
CONFLICT_EMPLOYMENT_YEARS = env.int("CONFLICT_EMPLOYMENT_YEARS", default=3)
# The automatic assignment's CP-SAT search (`reviews.autoassign`): seconds before it keeps the best found, workers.
AUTOASSIGN_TIME_LIMIT = env.float("AUTOASSIGN_TIME_LIMIT", default=10.0)
AUTOASSIGN_WORKERS = env.int("AUTOASSIGN_WORKERS", default=2)

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

# Signed documents (`kernel.signing`, README "Signed documents"): each issuing authority's key and certificate (PEM, the
# key unencrypted and readable by the portal's user alone) and the root certificate that verification trusts. They are
# DOCUMENT_SIGNING_DIR's <issuer>.key, <issuer>.crt and ca.crt unless a path is set for one (DOCUMENT_SIGNING_SAMR_KEY,
# DOCUMENT_SIGNING_SAMR_CERT, ..., DOCUMENT_SIGNING_CA). "portal" signs for an issuer without a key of its own (a
# recommender's letter). `manage.py make_signing_keys` writes a demo set there (the demo's seed runs it); the
# production settings require real ones (system checks labportal.E131-E136).
DOCUMENT_SIGNING_ISSUERS = (*(issuer for issuer, entry in DOCUMENT_ISSUERS.items() if "signed_by" not in entry), "portal")
_signing_dir = env.path("DOCUMENT_SIGNING_DIR", default=str(BASE_DIR / "var" / "signing"))
DOCUMENT_SIGNING_DIR = str(_signing_dir)
DOCUMENT_SIGNING = {
    issuer: {
        "key": str(env.path(f"DOCUMENT_SIGNING_{issuer.upper()}_KEY", default=_signing_dir(f"{issuer}.key"))),
        "cert": str(env.path(f"DOCUMENT_SIGNING_{issuer.upper()}_CERT", default=_signing_dir(f"{issuer}.crt"))),
    }
    for issuer in DOCUMENT_SIGNING_ISSUERS
}
DOCUMENT_SIGNING_CA = str(env.path("DOCUMENT_SIGNING_CA", default=_signing_dir("ca.crt")))
DOCUMENT_SIGNING_REQUIRED = False  # production: True (the keys must be there, and not the demo's)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # A visitor's PDF signed by someone else is an answer of the verification page, not an error of the portal.
        "pyhanko.sign.validation": {"level": "CRITICAL"},
        "pyhanko_certvalidator": {"level": "CRITICAL"},
    },
}
