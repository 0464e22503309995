"""pytest (pyproject.toml): the development settings with the test Redis database, eager tasks and throwaway files."""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from config.settings.development import *  # noqa: F403
from config.settings.development import REDIS_URL, env, redis_caches

# Tests use their own Redis database so that a developer's running shop keeps its cache and
# queues; TEST_REDIS_DB lets two checkouts run their suites at once without sharing queues.
REDIS_URL = urlunsplit(urlsplit(REDIS_URL)._replace(path=f"/{env.str('TEST_REDIS_DB', default='15')}"))
REDIS_AVAILABLE = True
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
CACHES = redis_caches(url=REDIS_URL, key_prefix="test")
# Tasks run in-process in tests; tests/ml/test_tasks.py runs a real worker over Redis.
CELERY_TASK_ALWAYS_EAGER = True

# Hashing with a deliberately slow algorithm is the point in production and only costs time here.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Named, not created: the storages make them on first write and tests/conftest.py removes them.
MEDIA_ROOT = Path(tempfile.gettempdir()) / f"shop-test-media-{os.getpid()}"
STORAGES = {
    **STORAGES,  # noqa: F405
    "artifacts": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(tempfile.gettempdir()) / f"shop-test-artifacts-{os.getpid()}")},
    },
}
