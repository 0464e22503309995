from tests.faults.conftest import broker_down, redis_down  # noqa: F401 - Redis stopped, as the fault tests inject it
