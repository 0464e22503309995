"""Queueing Celery tasks from web requests without letting the broker's health reach the shopper.

With Redis down, a plain `.delay()` held the request that wrote something for about 19 s (the
result store's reconnect retries) and then raised. The shop's tasks are all catch-up work (embed a
product, rebuild a summary, run a training stage) that a management command can redo, so an
enqueue tries once more at once, within the broker timeouts of the settings, then gives up,
reports the degraded broker with the command that catches up, and returns False.
"""

from collections.abc import Sequence

from celery import Task
from django.db import transaction

from ml.degraded import degradation_record

# One immediate retry: a broker that just dropped an idle pooled connection gets a fresh one.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def task_enqueue(
    *,
    task: Task,
    catch_up: str,
    args: Sequence = (),
    kwargs: dict | None = None,
    countdown: float | None = None,
) -> bool:
    """Queue `task`; True when the broker took it. Never raises.

    `catch_up` says how the work is done when it was not queued (e.g. "`manage.py embed_products
    --stale` embeds it"); it is logged with the failure. Results are not stored: nothing reads them,
    and a result backend that does not answer would hold the enqueue up too.
    """
    if task.app.conf.task_always_eager:
        # No broker: the task runs here and now, and its own errors are the caller's to see.
        task.apply_async(args=list(args), kwargs=kwargs or {})
        return True
    try:
        task.apply_async(
            args=list(args),
            kwargs=kwargs or {},
            countdown=countdown,
            retry=True,
            retry_policy=RETRY_POLICY,
            ignore_result=True,
        )
    except Exception as error:  # noqa: BLE001 - whatever the broker raised, the caller's work is done and kept
        degradation_record(
            part="broker",
            message=f"{task.name} was not queued: the broker does not answer; {catch_up}",
            detail=f"{type(error).__name__}: {error}",
        )
        return False
    return True


def task_enqueue_on_commit(
    *,
    task: Task,
    catch_up: str,
    args: Sequence = (),
    kwargs: dict | None = None,
    countdown: float | None = None,
) -> None:
    """`task_enqueue` once the current transaction commits (at once outside one)."""
    # A lambda, not functools.partial: Django names a failed robust callback by its __qualname__.
    transaction.on_commit(
        lambda: task_enqueue(task=task, catch_up=catch_up, args=args, kwargs=kwargs, countdown=countdown),
        robust=True,
    )
