"""A developer's machine: `manage.py`, `make run` and the Celery worker without DJANGO_ENV=production.

The entry points have started the embedded PostgreSQL when DATABASE_URL was unset, and set
REDIS_AVAILABLE=false when no Redis answered (config/environment.py).
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-not-secret-3b1f9c2e8d7a4f60a5c1")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

# WhiteNoise serves straight from the app and project static folders, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
