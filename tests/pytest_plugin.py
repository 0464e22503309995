"""Starts the test run's database before pytest-django loads the settings (`-p tests.pytest_plugin`, pyproject.toml).

The settings only read DATABASE_URL; when it is unset, the embedded PostgreSQL under var/pg
is started here and DATABASE_URL pointed at it, as manage.py does (config/environment.py).
"""

import os
from collections.abc import Generator

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> Generator[None, object, object]:
    # A wrapper runs before every plain implementation, pytest-django's included. Importing
    # `config` makes its Celery app default DJANGO_SETTINGS_MODULE to the development settings,
    # so the module pytest-django would take from the ini file is put in the environment first.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", early_config.getini("DJANGO_SETTINGS_MODULE"))
    from config.environment import database_url_prepare

    database_url_prepare()
    return (yield)
