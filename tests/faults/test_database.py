"""PostgreSQL drops the connection a web process keeps between requests: the next request still succeeds."""

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from tests.factories import ProductFactory


@pytest.fixture
def persistent_connections():
    """Connections kept between requests, as production does (CONN_MAX_AGE=60)."""
    before = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.close()
    yield
    connection.settings_dict["CONN_MAX_AGE"] = before
    connection.close()


def backend_terminate(*, pid: int) -> None:
    """Ended by the server, as a restart, a failover or an idle-connection killer does."""
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def request_get(client, path: str):
    # What the WSGI handler does at every request start (the test client leaves it out).
    close_old_connections()
    return client.get(path)


@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_costs_no_request(client, persistent_connections):
    product = ProductFactory(title="Enamel Mug")
    assert request_get(client, product.get_absolute_url()).status_code == 200
    pid = connection.connection.info.backend_pid

    backend_terminate(pid=pid)

    page = request_get(client, product.get_absolute_url())
    assert page.status_code == 200 and "Enamel Mug" in page.content.decode()
    assert connection.connection.info.backend_pid != pid
    assert request_get(client, reverse("shop:home")).status_code == 200
