from celery import shared_task

from recommender.models import ModelVersion, TrainingRun
from recommender.pipeline import TrainingInProgress, training_run_start, training_stage_enqueue, training_stage_run
from recommender.services import model_version_activate


# A stage's soft limit ends the run as failed with its message (recommender/pipeline.py); training on
# a CPU worker takes minutes, so stages get hours.
@shared_task(queue="ml", soft_time_limit=2 * 60 * 60, time_limit=2 * 60 * 60 + 5 * 60)
def training_stage_task(run_id: int, stage: str) -> str | None:
    following = training_stage_run(run_id=run_id, stage=stage)
    if following is not None:
        training_stage_enqueue(run_id=run_id, stage=following)
    return following


@shared_task(queue="ml")
def training_run_scheduled_task() -> int | None:
    """The nightly retrain (Celery beat); a run still in progress makes it skip the night."""
    try:
        return training_run_start(trigger=TrainingRun.Trigger.SCHEDULE).pk
    except TrainingInProgress:
        return None


# Embeds every active product with the version's item tower before it goes live.
@shared_task(queue="ml", soft_time_limit=30 * 60, time_limit=32 * 60)
def model_version_activate_task(version_id: int) -> None:
    model_version_activate(version=ModelVersion.objects.get(pk=version_id))
