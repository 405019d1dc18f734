"""Production: behind a TLS-terminating reverse proxy; every secret from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
# A gunicorn worker keeps its database connection between requests (checked before reuse) instead of opening one per
# request, which cost every page that reads the database 10-15 ms at the bench (issue 16). Not in development:
# runserver answers each request in a thread of its own.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
SECRET_KEY = env("SECRET_KEY")
SITE_URL = env("SITE_URL")  # required: links in e-mails and calendar feeds must reach the real portal
PII_ENCRYPTION_KEY = env("PII_ENCRYPTION_KEY")  # required: never the development key derived from SECRET_KEY
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY")  # required: the audit chain's key, never derived from SECRET_KEY here
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
THROTTLE_TRUSTED_PROXIES = env.int("THROTTLE_TRUSTED_PROXIES", default=1)  # behind the reverse proxy
# The admin is not where a scanner looks first: ADMIN_PATH, never Django's default "admin/" here.
ADMIN_PATH = env("ADMIN_PATH", default="portal-administration/").strip("/") + "/"
if ADMIN_PATH == "admin/":
    raise ImproperlyConfigured("ADMIN_PATH must not be “admin/” in production.")
DOCUMENT_SIGNING_REQUIRED = True  # every issuer's key and certificate, and a root that is not the demo's
OTP_DEMO_HINT = False  # never show a current code, whatever DEBUG says
