"""System checks of the deployment's shape (`manage.py check`, run by every management command and the server)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


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
