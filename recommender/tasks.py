from celery import shared_task

from recommender.models import ModelVersion, TrainingRun
from recommender.pipeline import TrainingInProgress, training_run_start, training_stage_run
from recommender.services import model_version_activate


@shared_task(queue="ml")
def training_stage_task(run_id: int, stage: str) -> str | None:
    following = training_stage_run(run_id=run_id, stage=stage)
    if following is not None:
        training_stage_task.delay(run_id, following)
    return following


@shared_task(queue="ml")
def training_run_scheduled_task() -> int | None:
    """The nightly retrain (Celery beat); a run still in progress makes it skip the night."""
    try:
        return training_run_start(trigger=TrainingRun.Trigger.SCHEDULE).pk
    except TrainingInProgress:
        return None


@shared_task(queue="ml")
def model_version_activate_task(version_id: int) -> None:
    model_version_activate(version=ModelVersion.objects.get(pk=version_id))
