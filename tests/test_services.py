import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection


def test_the_database_is_postgresql_with_pgvector(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        row = cursor.fetchone()
        cursor.execute("SELECT '[1,0,0]'::vector <=> '[0,1,0]'::vector")
        distance = cursor.fetchone()[0]
    assert connection.vendor == "postgresql"
    assert row is not None, "the pgvector extension is created by a migration"
    assert distance == 1.0


def test_the_cache_is_the_real_redis():
    cache.set("probe", "stored in redis", timeout=30)
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = [key.decode() for key in client.scan_iter("*probe*")]
    assert keys, "the cached value is in Redis"
    assert cache.get("probe") == "stored in redis"
    cache.delete("probe")
