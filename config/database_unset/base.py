from typing import NoReturn

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.validation import BaseDatabaseValidation
from django.db.backends.dummy import base as dummy


def database_url_missing_raise(*args: object, **kwargs: object) -> NoReturn:
    raise ImproperlyConfigured(
        "DATABASE_URL is unset. Outside production, manage.py, pytest and the Celery worker start the "
        "embedded PostgreSQL and set it; anything else, and production, needs DATABASE_URL in the environment."
    )


class DatabaseOperations(dummy.DatabaseOperations):
    quote_name = database_url_missing_raise


class DatabaseClient(dummy.DatabaseClient):
    runshell = database_url_missing_raise


class DatabaseValidation(BaseDatabaseValidation):
    # migrate runs the database checks before it connects; they would report model errors
    # against this backend's (empty) features instead of the missing URL.
    check = database_url_missing_raise


class DatabaseWrapper(dummy.DatabaseWrapper):
    """Django's dummy backend (an empty ENGINE gets it) with a message that names the missing variable.

    Django builds this object while it loads the models; only using the database raises.
    """

    _cursor = database_url_missing_raise
    ensure_connection = database_url_missing_raise
    _commit = database_url_missing_raise
    _savepoint_commit = database_url_missing_raise
    _set_autocommit = database_url_missing_raise
    client_class = DatabaseClient
    ops_class = DatabaseOperations
    validation_class = DatabaseValidation
