"""`kernel.cache.RedisCache`, the portal's cache with REDIS_URL: Django's Redis cache reusing one Redis client per
connection pool (issue 16: building a client per call was a third of the time of serving a public page from the
cache)."""

import uuid

import pytest
from django.conf import settings

from kernel.cache import RedisCache


@pytest.fixture
def redis_cache():
    backend = RedisCache(settings.REDIS_CACHE_URL, {"KEY_PREFIX": f"cache-backend-{uuid.uuid4().hex}"})
    yield backend
    backend.close()


def test_the_portal_uses_it_with_redis():
    assert settings.CACHES["default"]["BACKEND"] == "kernel.cache.RedisCache"


def test_every_call_uses_the_same_client_for_reads_and_writes(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache._cache.get_client("some key") is client


def test_values_round_trip_through_the_kept_client(redis_cache):
    redis_cache.set("page", {"title": "蛋白质"}, 30)
    assert redis_cache.get("page") == {"title": "蛋白质"}
    assert redis_cache.add("counter", 1, 30)
    assert not redis_cache.add("counter", 5, 30)
    assert redis_cache.incr("counter") == 2
    redis_cache.delete_many(["page", "counter"])
    assert redis_cache.get_many(["page", "counter"]) == {}
