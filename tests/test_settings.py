"""Loading the settings reads the environment and nothing else: no process, no connection, no file.

Each settings module is imported in a fresh interpreter in which every socket connection and
every child process is refused and recorded.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import environment

PROJECT_DIR = Path(__file__).resolve().parent.parent
# What this test run's own entry points set, or a developer's shell may have: the settings get none of it.
UNSET = {
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_AVAILABLE",
    "SECRET_KEY",
    "DJANGO_ENV",
    "DJANGO_SETTINGS_MODULE",
    "XDG_RUNTIME_DIR",
    # The browser tests set it for Playwright's event loop; a deployment never does.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}

PROBE = """
import importlib, json, socket, subprocess, sys

attempts = []


def refused(kind):
    def refuse(*args, **kwargs):
        attempts.append(f"{kind} {args[1:]!r}")
        raise OSError(f"{kind} refused by tests/test_settings.py")

    return refuse


socket.socket.connect = refused("connect")
socket.socket.connect_ex = refused("connect")
subprocess.Popen.__init__ = refused("process")

settings = importlib.import_module(sys.argv[1])
print(json.dumps({
    "attempts": attempts,
    "pgserver_imported": "pgserver" in sys.modules,
    "database_engine": settings.DATABASES["default"]["ENGINE"],
    "cache_backend": settings.CACHES["default"]["BACKEND"],
    "cache_errors_ignored": {
        alias: cache.get("OPTIONS", {}).get("IGNORE_EXCEPTIONS", False) for alias, cache in settings.CACHES.items()
    },
    "database_health_checks": settings.DATABASES["default"].get("CONN_HEALTH_CHECKS", False),
    "tasks_eager": settings.CELERY_TASK_ALWAYS_EAGER,
}))
"""


def settings_load(*, module: str, var_dir: Path, **variables: str) -> dict:
    env = {name: value for name, value in os.environ.items() if name not in UNSET}
    env.update(
        {
            "EMBEDDED_POSTGRES_DIR": str(var_dir / "pg"),
            "STATIC_ROOT": str(var_dir / "staticfiles"),
            "MEDIA_ROOT": str(var_dir / "media"),
            "ARTIFACTS_DIR": str(var_dir / "artifacts"),
            "DEMO_DATASETS_DIR": str(var_dir / "datasets"),
            **variables,
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE, module], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("module", "variables"),
    [
        ("config.settings.base", {}),
        ("config.settings.development", {}),
        ("config.settings.test", {}),
        (
            "config.settings.production",
            {
                "DJANGO_ENV": "production",
                "SECRET_KEY": "a-test-secret",
                "DATABASE_URL": "postgres://shop@127.0.0.1:1/shop",
            },
        ),
    ],
)
def test_loading_the_settings_starts_connects_and_writes_nothing(tmp_path, module, variables):
    loaded = settings_load(module=module, var_dir=tmp_path / "var", **variables)

    assert loaded["attempts"] == []
    assert not loaded["pgserver_imported"]
    assert not (tmp_path / "var").exists()


def test_without_database_url_the_settings_load_and_the_database_says_what_is_missing(tmp_path):
    loaded = settings_load(module="config.settings.production", var_dir=tmp_path / "var", DJANGO_ENV="production")

    assert loaded["database_engine"] == "config.database_unset"


def test_development_without_redis_runs_tasks_eagerly_with_a_memory_cache(tmp_path):
    loaded = settings_load(module="config.settings.development", var_dir=tmp_path / "var", REDIS_AVAILABLE="false")

    assert loaded["tasks_eager"] is True
    assert loaded["cache_backend"] == "django.core.cache.backends.locmem.LocMemCache"


def test_development_with_redis_queues_tasks_and_caches_in_redis(tmp_path):
    loaded = settings_load(module="config.settings.development", var_dir=tmp_path / "var")

    assert loaded["tasks_eager"] is False
    assert loaded["cache_backend"] == "django_redis.cache.RedisCache"


@pytest.mark.parametrize("module", ["config.settings.development", "config.settings.test"])
def test_a_redis_outage_reads_as_cache_misses_except_for_the_log_in_throttle(tmp_path, module):
    loaded = settings_load(module=module, var_dir=tmp_path / "var")

    assert loaded["cache_errors_ignored"] == {"default": True, "throttle": False, "throttle-fallback": False}
    assert loaded["database_health_checks"] is True


def test_the_entry_points_mark_redis_missing_only_when_none_answers_and_none_is_configured(monkeypatch):
    monkeypatch.setattr(environment, "dotenv_read", lambda: None)
    monkeypatch.setattr(environment, "redis_answers", lambda *, url: False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("REDIS_AVAILABLE", raising=False)
    environment.redis_fallback_prepare()
    assert os.environ["REDIS_AVAILABLE"] == "false"

    monkeypatch.setenv("REDIS_URL", "redis://redis.example:6379/0")
    monkeypatch.delenv("REDIS_AVAILABLE")
    environment.redis_fallback_prepare()
    assert "REDIS_AVAILABLE" not in os.environ


DEPLOY_CHECK = """
import socket, sys

def refuse(*args, **kwargs):
    raise OSError("connection refused by tests/test_settings.py")

socket.socket.connect = socket.socket.connect_ex = refuse
sys.argv = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]
import manage
manage.main()
"""


def test_the_production_settings_pass_the_deployment_checks_without_a_connection(tmp_path):
    """What `make check-deploy` runs in CI: every warning of `check --deploy` is a failure."""
    env = {name: value for name, value in os.environ.items() if name not in UNSET}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="ci-deploy-check-Qm4vT9xLp2Rz7Hs1Wd6Nc3Ya8Kf5Ue0JbG7tXr2Ns9Lw4",
        DATABASE_URL="postgres://ci@127.0.0.1:1/ci",
        ALLOWED_HOSTS="shop.example.com",
        STATIC_ROOT=str(tmp_path / "staticfiles"),
    )
    done = subprocess.run(
        [sys.executable, "-c", DEPLOY_CHECK], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "no issues" in done.stdout
