"""DJANGO_ENV=production: SECRET_KEY and DATABASE_URL are required, HTTPS only, hashed static files.

Both are checked when first used rather than when the settings load, so the image build runs
collectstatic without either: Django refuses an empty SECRET_KEY, and the database backend
left without DATABASE_URL refuses every query (config/database_unset/).
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, LLM, STORAGES, env, logging_config

PRODUCTION = True

DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
LLM["BACKEND"] = env.str("LLM_BACKEND", default="openai")
REQUEST_LOG = env.bool("REQUEST_LOG", default=True)
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = logging_config(log_format=LOG_FORMAT)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# HTTPS only, for good: the browsers' preload list (hstspreload.org) asks for a year, subdomains and `preload`.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
