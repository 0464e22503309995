"""Where the shop's backing services are, and the embedded defaults used when none is configured."""

import logging
import os
from pathlib import Path
from urllib.parse import quote

import redis

logger = logging.getLogger(__name__)


def redis_answers(*, url: str, timeout_s: float = 0.3) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s).ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def embedded_postgres_start(*, datadir: Path) -> str:
    """Start (or reuse) the embedded PostgreSQL 16 + pgvector under `datadir`; return its database URL.

    The server outlives this process on purpose: every manage.py command, test run,
    worker and web process shares it, and the first one to need it starts it.
    """
    # pgserver keeps its lock in the user's runtime dir; root shells often have none.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime_dir = datadir.parent / "run"
        runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime_dir)
    import pgserver

    datadir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(datadir, cleanup_mode=None)
    info = server.get_postmaster_info()
    # The server listens on a Unix socket only. django-environ takes a database path that starts
    # with "/" as the socket directory (the HOST) followed by the database name.
    return f"postgres://postgres@/{quote(str(info.socket_dir), safe='')}/postgres"
