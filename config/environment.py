"""What the entry points do before Django reads its settings; the settings themselves only read the environment.

manage.py, config/wsgi.py, config/asgi.py and the `celery` command call `django_environment_prepare()`;
the test run calls `database_url_prepare()` (tests/pytest_plugin.py). Outside production a
missing DATABASE_URL becomes the embedded PostgreSQL under var/pg, and a missing REDIS_URL
with no Redis answering on the default one becomes REDIS_AVAILABLE=false (Celery tasks run
eagerly, the cache lives in process memory). Whatever the environment or .env sets wins.
"""

import functools
import logging
import os
from pathlib import Path

import environ

from config.services import embedded_postgres_start, redis_answers

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEVELOPMENT_SETTINGS = "config.settings.development"
PRODUCTION_SETTINGS = "config.settings.production"
REDIS_URL_DEFAULT = "redis://127.0.0.1:6379/0"

logger = logging.getLogger("config")


def dotenv_read() -> None:
    """Copy .env into the environment, below what the environment already has."""
    if (PROJECT_DIR / ".env").exists():
        environ.Env.read_env(PROJECT_DIR / ".env")


def django_env_get() -> str:
    return os.environ.get("DJANGO_ENV", "development")


def settings_module_choose() -> None:
    """DJANGO_SETTINGS_MODULE, unless set: the production settings when DJANGO_ENV=production, else development."""
    dotenv_read()
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE", PRODUCTION_SETTINGS if django_env_get() == "production" else DEVELOPMENT_SETTINGS
    )


def database_url_prepare() -> None:
    """Without DATABASE_URL, start the embedded PostgreSQL and point DATABASE_URL at it."""
    dotenv_read()
    if os.environ.get("DATABASE_URL"):
        return
    datadir = Path(os.environ.get("EMBEDDED_POSTGRES_DIR") or PROJECT_DIR / "var" / "pg")
    os.environ["DATABASE_URL"] = embedded_postgres_start(datadir=datadir)


def redis_fallback_prepare() -> None:
    """Without REDIS_URL and with no Redis answering on the default one, tell the settings there is none."""
    dotenv_read()
    if os.environ.get("REDIS_URL") or "REDIS_AVAILABLE" in os.environ:
        return
    if not redis_answers(url=REDIS_URL_DEFAULT):
        os.environ["REDIS_AVAILABLE"] = "false"
        if environ.Env().bool("CELERY_TASK_ALWAYS_EAGER", default=True):
            logger.warning("No Redis answers at %s: Celery tasks run eagerly in-process.", REDIS_URL_DEFAULT)


# Once per process: runserver imports config/wsgi.py after manage.py has prepared everything.
@functools.cache
def django_environment_prepare() -> None:
    settings_module_choose()
    if django_env_get() != "production":
        database_url_prepare()
        redis_fallback_prepare()
