"""What /readyz reports: can this process serve shoppers, and what is it serving without.

Ready means the database answers and every migration is applied: without it no page works, so
the load balancer should send traffic elsewhere (503). Everything else is a helper the shop
serves without, so it makes the answer "degraded" but still 200, or every replica would leave the
pool at once because Redis restarted: Redis (pages compute what they would have read), the text
and image encoders (search ranks by words), the live recommender (pages show trending).
Celery workers are checked by ml.workers, not here: a web replica is ready whatever the workers do.
"""

import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError

from ml.degraded import degradation_counts
from ml.encoders import EncoderUnavailable, text_encoder_get
from recommender.registry import ModelLoadFailed, ModelUnavailable, live_model_get
from search.image_encoders import live_image_encoder_status

OK, DEGRADED, FAILED = "ok", "degraded", "failed"
# Once a process has seen every migration applied it stops asking: migrations only run before a release starts.
_migrated = False


def database_check() -> dict:
    global _migrated
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrated:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                return {"status": FAILED, "detail": f"{len(pending)} migrations not applied"}
            _migrated = True
    except DatabaseError as error:
        return {"status": FAILED, "detail": f"{type(error).__name__}: {str(error).strip()[:200]}"}
    return {"status": OK}


def redis_check() -> dict:
    """The Redis the pages' cache reads (the broker is the same server in every layout the shop ships)."""
    cache = settings.CACHES["default"]
    if "redis" not in cache["BACKEND"].lower():
        return {"status": OK, "detail": "not configured: tasks run eagerly, the cache is in process memory"}
    timeout = cache.get("OPTIONS", {}).get("SOCKET_TIMEOUT", 0.25)
    client = redis.Redis.from_url(cache["LOCATION"], socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as error:
        return {"status": DEGRADED, "detail": f"{type(error).__name__}: {error}"}
    finally:
        client.close()
    return {"status": OK}


def text_encoder_check() -> dict:
    try:
        encoder = text_encoder_get()
    except EncoderUnavailable as error:
        return {"status": DEGRADED, "detail": str(error)}
    return {"status": OK, "detail": encoder.name}


def image_encoder_check() -> dict:
    reason = live_image_encoder_status()
    # No encoder trained yet is how a new shop starts (photo search says so); not a fault of this replica.
    return {"status": OK} if reason is None else {"status": OK, "detail": f"photo search off: {reason}"}


def recommender_check() -> dict:
    try:
        model = live_model_get()
    except ModelLoadFailed as error:
        return {"status": DEGRADED, "detail": str(error)}
    except ModelUnavailable as error:
        return {"status": OK, "detail": str(error)}
    return {"status": OK, "detail": f"v{model.version_id}"}


CHECKS: dict[str, Callable[[], dict]] = {
    "database": database_check,
    "redis": redis_check,
    "text_encoder": text_encoder_check,
    "image_encoder": image_encoder_check,
    "recommender": recommender_check,
}


def readiness_get() -> tuple[bool, dict]:
    """(ready, report): ready unless the database fails; the report names each check's status and time."""
    checks: dict[str, dict] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        # The live models' rows are in the database; without it these checks would only repeat its error.
        if name in ("recommender", "image_encoder") and checks["database"]["status"] == FAILED:
            checks[name] = {"status": FAILED, "detail": "database unavailable"}
            continue
        checks[name] = {**check(), "seconds": round(time.perf_counter() - started, 4)}
    ready = checks["database"]["status"] != FAILED
    statuses = {check["status"] for check in checks.values()}
    status = "unavailable" if not ready else (OK if statuses == {OK} else DEGRADED)
    return ready, {"status": status, "checks": checks, "degradations": degradation_counts()}
