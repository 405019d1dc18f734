"""System checks of the deployment's shape (`manage.py check`, run by every management command and the server):
Redis databases apart, the audit trail's settings (`kernel.audit`): a retention period the security standard
accepts, a known algorithm, and in production a real key; and in production the keys that sign issued documents
(`kernel.signing_keys`)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

from . import signing_keys


def _redis_database(url):
    """(host, port, database) of a redis:// or rediss:// URL; None for another scheme."""
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        return None
    return (parts.hostname or "localhost", parts.port or 6379, parts.path.strip("/") or "0")


@checks.register(checks.Tags.caches)
def broker_and_cache_apart(app_configs=None, **kwargs):
    """The Celery broker and a Redis cache must not share a database: clearing the cache (FLUSHDB) or evicting
    its keys would drop queued tasks (the sweep, the e-mail)."""
    broker = _redis_database(getattr(settings, "CELERY_BROKER_URL", "") or "")
    if broker is None:
        return []
    errors = []
    for alias, cache in settings.CACHES.items():
        locations = cache.get("LOCATION") or []
        for location in [locations] if isinstance(locations, str) else locations:
            if _redis_database(location) == broker:
                errors.append(checks.Error(
                    f"The cache '{alias}' uses the Redis database of the Celery broker ({location}).",
                    hint="Set REDIS_CACHE_DB (default: REDIS_BROKER_DB + 1) to another database than REDIS_BROKER_DB.",
                    id="labportal.E001",
                ))
    return errors


MIN_RETENTION_DAYS = 183  # GB/T 22239-2019 8.1.4.3 (level 3) with the Cybersecurity Law Art. 21: at least 6 months
MIN_KEY_LENGTH = 32


@checks.register(checks.Tags.security)
def audit_settings(app_configs, **kwargs):
    errors = []
    days = settings.AUDIT_RETENTION_DAYS
    if days < MIN_RETENTION_DAYS:
        errors.append(checks.Error(
            f"AUDIT_RETENTION_DAYS is {days}: audit records must be kept at least {MIN_RETENTION_DAYS} days "
            "(six months, GB/T 22239-2019 8.1.4.3).", id="labportal.E101"))
    if settings.AUDIT_HMAC_ALGORITHM not in ("sm3", "sha256"):
        errors.append(checks.Error(
            f"AUDIT_HMAC_ALGORITHM is {settings.AUDIT_HMAC_ALGORITHM!r}: it must be \"sm3\" or \"sha256\".",
            id="labportal.E102"))
    return errors


@checks.register(checks.Tags.security, deploy=True)
def audit_key(app_configs, **kwargs):
    if len(settings.AUDIT_HMAC_KEY or "") < MIN_KEY_LENGTH:
        return [checks.Error(
            f"AUDIT_HMAC_KEY must be set to a random secret of at least {MIN_KEY_LENGTH} characters, kept apart "
            "from the database (the audit chain's key; a key derived from SECRET_KEY is for development only).",
            id="labportal.E103")]
    return []


@checks.register(checks.Tags.security)
def document_signing(app_configs, **kwargs):
    """Production (DOCUMENT_SIGNING_REQUIRED) does not start without every issuer's key and certificate, issued by
    DOCUMENT_SIGNING_CA, which is not the demo's: the migrate step and `check --deploy` refuse."""
    if not settings.DOCUMENT_SIGNING_REQUIRED:
        return []
    return signing_keys.configuration_errors()
