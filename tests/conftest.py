import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from config.services import redis_answers

# Tests use their own Redis database so that a developer's running shop keeps its cache and
# queues. pytest-django has loaded the settings already, but caches and the Celery app read
# them lazily, so switching the URL here takes effect before anything connects.
TEST_REDIS_URL = urlunsplit(urlsplit(settings.REDIS_URL)._replace(path="/15"))
settings.REDIS_URL = settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = TEST_REDIS_URL
settings.CACHES["default"].update(
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": TEST_REDIS_URL, "KEY_PREFIX": "test"}
)
# Tasks run in-process in tests; tests/ml/test_tasks.py runs a real worker over Redis.
settings.CELERY_TASK_ALWAYS_EAGER = True
settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="shop-test-media-"))


@pytest.fixture(scope="session", autouse=True)
def media_cleanup():
    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def redis_required() -> None:
    if not redis_answers(url=TEST_REDIS_URL):
        pytest.exit(f"The tests need a real Redis at {TEST_REDIS_URL} (.ci/run starts one).", returncode=2)
