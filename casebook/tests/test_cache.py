"""The Redis cache backend: Django's, sharing one Redis client per connection pool."""

from casebook.cache import RedisCache
from core.testing import require_redis


def test_the_redis_cache_works_and_reuses_its_client():
    cache = RedisCache(require_redis(), {"KEY_PREFIX": "test-cache-client"})
    cache.set("k", {"a": 1}, 30)
    assert cache.get("k") == {"a": 1}
    assert cache.add("n", 1)
    assert cache.incr("n") == 2
    assert cache.get_many(["k", "n"]) == {"k": {"a": 1}, "n": 2}
    cache.delete_many(["k", "n"])
    assert cache.get("k") is None
    client = cache._cache.get_client("k")
    assert cache._cache.get_client("other", write=True) is client
