"""Is any Celery worker consuming a queue? A cheap answer for pages that would otherwise wait forever.

Admin pages show work "queued" or "in progress" (a training run, a model version's item vectors,
a stale review summary); without a worker on the queue that never changes. `queue_consumers_check`
asks the workers which queues they consume (Celery's remote control, one broadcast with a short
timeout) and remembers the answer for CACHE_SECONDS in this process, so a page that refreshes
costs one broadcast per half minute, not one per request. It never raises: a broker that does not
answer is an answer too.
"""

import threading
import time
from dataclasses import dataclass
from typing import Literal

from celery import Celery, current_app

CACHE_SECONDS = 30.0
DEFAULT_TIMEOUT = 1.0
WORKER_COMMAND = "make worker"

State = Literal["consumed", "no_worker", "broker_unreachable", "eager"]

_lock = threading.Lock()
_answers: dict[tuple[str, str], tuple[float, "QueueConsumers"]] = {}


@dataclass(frozen=True)
class QueueConsumers:
    queue: str
    state: State
    workers: tuple[str, ...] = ()
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Work queued on this queue will be done: a worker consumes it, or tasks run inline."""
        return self.state in ("consumed", "eager")

    @property
    def message(self) -> str:
        if self.state == "eager":
            return (
                "Tasks run inline in the web process (eager mode, used where no Redis answers), "
                "so queued work is done before the page answers."
            )
        if self.state == "broker_unreachable":
            return (
                f"The task broker is unreachable ({self.detail}): nothing on the '{self.queue}' queue runs "
                f"until Redis answers and a worker is started with `{WORKER_COMMAND}`."
            )
        if self.state == "no_worker":
            return (
                f"No worker is consuming the '{self.queue}' queue: start one with `{WORKER_COMMAND}` "
                f"(or `celery -A config worker -Q default,{self.queue}`); until then queued work waits."
            )
        names = ", ".join(self.workers)
        return f"{len(self.workers)} worker{'s' if len(self.workers) != 1 else ''} consume the '{self.queue}' queue ({names})."


def _ask(*, app: Celery, queue: str, timeout: float) -> QueueConsumers:
    try:
        with app.connection_for_read() as connection:
            # One attempt, bounded by the broker's connect timeout: a stopped Redis answers at once.
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            replies = app.control.inspect(timeout=timeout, connection=connection).active_queues() or {}
    except Exception as error:  # noqa: BLE001 - whatever the broker raised, the answer is "unreachable"
        return QueueConsumers(queue=queue, state="broker_unreachable", detail=type(error).__name__)
    workers = tuple(
        sorted(name for name, queues in replies.items() if any(q.get("name") == queue for q in queues or ()))
    )
    return QueueConsumers(queue=queue, state="consumed" if workers else "no_worker", workers=workers)


def queue_consumers_check(*, queue: str, timeout: float = DEFAULT_TIMEOUT, app: Celery | None = None) -> QueueConsumers:
    """Which workers consume `queue` (the answer is at most CACHE_SECONDS old); never raises.

    `timeout` (seconds, at most one is sensible on a page) bounds the broker's connection and how
    long the workers' replies are awaited. `app` is the current Celery app unless given.
    """
    app = app or current_app
    if app.conf.task_always_eager:
        return QueueConsumers(queue=queue, state="eager")
    key = (str(app.conf.broker_url), queue)
    now = time.monotonic()
    with _lock:
        cached = _answers.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    answer = _ask(app=app, queue=queue, timeout=timeout)
    with _lock:
        _answers[key] = (time.monotonic() + CACHE_SECONDS, answer)
    return answer


def queue_consumers_reset() -> None:
    """Forget the remembered answers (tests, or after starting a worker)."""
    with _lock:
        _answers.clear()
