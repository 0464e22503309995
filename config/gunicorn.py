"""gunicorn's settings for the production image and the scale benchmark: `gunicorn -c config/gunicorn.py config.wsgi`.

Each worker loads the encoders and the live recommender once, after it has loaded the app and
before it takes a request (settings.ML_PRELOAD, on in the image). With PROMETHEUS_MULTIPROC_DIR
set, every worker writes its metrics to files there and /metrics adds them up; a dead worker's
files are marked so that its gauges leave the sum.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# The shop writes one JSON line per request itself (ops/middleware.py), with the request id and user.
accesslog = None
# Compose's healthcheck and the benchmark stop workers with TERM; a request in flight gets this long.
graceful_timeout = 20


def post_worker_init(worker) -> None:
    from django.conf import settings
    from django.db import connections

    from ml.devices import inference_threads_set

    inference_threads_set(threads=settings.ML_WEB_THREADS)
    if settings.ML_PRELOAD:
        from ops.preload import models_preload

        models_preload()
        # The preload's database connection was opened before the first request; requests open their own.
        connections.close_all()


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
