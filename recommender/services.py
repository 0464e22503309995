"""The recommender's writes: the registry (training runs' state, model versions, their item
vectors, the live one) and the likes given during onboarding.

The database allows one run in progress and one live version at a time; `recommender.pipeline`
drives a run through its stages.
"""

import logging
import traceback

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ml.artifacts import artifact_delete
from recommender.features import FEATURE_SCHEMA_HASH, FeatureSchemaMismatch, item_rows_load, schema_check
from recommender.model import item_table
from recommender.models import Experiment, ItemVector, ModelVersion, TrainingRun
from recommender.registry import ModelUnavailable, model_artifact_load
from shop.models import CustomerProfile, Interaction, Product
from shop.services import interaction_record

logger = logging.getLogger(__name__)

EMBED_BATCH = 4096
PUBLISHED_VERSIONS_WITH_VECTORS = 2
"""The live version and the one before it keep their item vectors, so a rollback is instant."""


def training_run_log(*, run: TrainingRun, line: str) -> None:
    stamp = timezone.now().strftime("%H:%M:%S")
    run.log += f"{stamp} {line}\n"
    TrainingRun.objects.filter(pk=run.pk).update(log=run.log)
    logger.info("training run %s: %s", run.pk, line)


def training_run_stage_start(*, run: TrainingRun, stage: str) -> None:
    run.status, run.stage = TrainingRun.Status.RUNNING, stage
    run.stages[stage] = {"status": "running", "started": timezone.now().isoformat()}
    run.save(update_fields=["status", "stage", "stages"])
    training_run_log(run=run, line=f"{TrainingRun.Stage(stage).label}: started")


def training_run_stage_succeed(*, run: TrainingRun, stage: str, figures: dict, seconds: float) -> None:
    run.stages[stage].update(status="succeeded", seconds=round(seconds, 2), figures=figures)
    run.save(update_fields=["stages"])
    training_run_log(run=run, line=f"{TrainingRun.Stage(stage).label}: done in {run.stages[stage]['seconds']} s")


def training_run_stage_fail(*, run: TrainingRun, stage: str, error: Exception, seconds: float) -> None:
    """End the run with the stage's error; the live model is untouched."""
    training_run_log(run=run, line="".join(traceback.format_exception_only(error)).strip())
    run.stages[stage].update(status="failed", seconds=round(seconds, 2))
    run.error = f"{TrainingRun.Stage(stage).label} failed: {error}"
    training_run_finish(run=run, status=TrainingRun.Status.FAILED)


def training_run_finish(*, run: TrainingRun, status: str) -> None:
    """End the run, so that a new one may start, and drop its training data (its model stays with its version)."""
    run.status, run.in_progress, run.finished_at = status, None, timezone.now()
    run.save(update_fields=["status", "in_progress", "finished_at", "error", "stages", "published"])
    artifact_delete(name=run.snapshot_artifact)


def training_run_abandon(*, run: TrainingRun, reason: str) -> None:
    """End a run whose worker died mid-stage, so that a new one may start; the live model is untouched."""
    if not run.in_progress:
        return
    if run.stage and run.stages.get(run.stage, {}).get("status") == "running":
        run.stages[run.stage]["status"] = "failed"
    run.error = f"Stopped by staff: {reason}"
    training_run_log(run=run, line=run.error)
    training_run_finish(run=run, status=TrainingRun.Status.FAILED)


def training_run_publish(*, run: TrainingRun) -> None:
    """Put the run's model version live, and record on the run that it did."""
    model_version_activate(version=run.model_version)
    run.published = True
    run.save(update_fields=["published"])


def model_version_register(*, run: TrainingRun) -> ModelVersion:
    """The version of the model the run trained (registered once: a rerun of the stage returns it)."""
    version, _ = ModelVersion.objects.get_or_create(
        run=run,
        defaults={
            "artifact": run.model_artifact,
            "artifact_sha256": run.stage_artifact_sha256(stage=TrainingRun.Stage.TRAIN),
            "feature_schema_hash": FEATURE_SCHEMA_HASH,
            "metrics": run.metrics,
            "data_start": run.data_start,
            "data_end": run.data_end,
        },
    )
    return version


def model_version_embed(*, version: ModelVersion) -> int:
    """Write the item tower's vector of every active product for `version` (replacing any it had)."""
    loaded = model_artifact_load(name=version.artifact, sha256=version.artifact_sha256, version_id=version.pk)
    items = item_rows_load()
    vectors = (
        item_table(model=loaded.model, items=loaded.item_tensors(items=items), batch_size=EMBED_BATCH).cpu().numpy()
    )
    with transaction.atomic():
        ItemVector.objects.filter(version=version).delete()
        ItemVector.objects.bulk_create(
            (
                ItemVector(version=version, product_id=item.product_id, vector=vector)
                for item, vector in zip(items, vectors)
            ),
            batch_size=2000,
        )
        version.items = len(items)
        version.save(update_fields=["items"])
    return len(items)


def model_version_activate(*, version: ModelVersion) -> None:
    """Make `version` the live one in one transaction: its item vectors serve from the next request on."""
    try:
        schema_check(artifact_hash=version.feature_schema_hash)
    except FeatureSchemaMismatch as error:
        raise ModelUnavailable(f"Model v{version.pk} cannot go live: {error}") from error
    if not ItemVector.objects.filter(version=version).exists():
        model_version_embed(version=version)
    with transaction.atomic():
        ModelVersion.objects.filter(is_live=True).exclude(pk=version.pk).update(is_live=None)
        version.is_live, version.published_at = True, timezone.now()
        version.save(update_fields=["is_live", "published_at"])
    _vectors_prune()


def model_version_rollback() -> ModelVersion:
    """Put the version that was live before the current one back in service."""
    current = ModelVersion.objects.filter(is_live=True).first()
    earlier = ModelVersion.objects.filter(published_at__isnull=False).exclude(is_live=True)
    if current is not None:
        earlier = earlier.filter(published_at__lt=current.published_at)
    previous = earlier.order_by("-published_at").first()
    if previous is None:
        raise ModelUnavailable("There is no earlier published version to roll back to.")
    model_version_activate(version=previous)
    return previous


def _vectors_prune() -> None:
    keep = list(
        ModelVersion.objects.filter(published_at__isnull=False)
        .order_by("-published_at")
        .values_list("pk", flat=True)[:PUBLISHED_VERSIONS_WITH_VECTORS]
    )
    unfinished = TrainingRun.objects.filter(in_progress=True).values_list("model_version", flat=True)
    tested = Experiment.objects.filter(is_running=True).values_list("candidate_id", "control_id")
    keep += [pk for pk in unfinished if pk] + [pk for pair in tested for pk in pair]
    ItemVector.objects.exclude(version_id__in=keep).delete()


def onboarding_likes_record(*, user: AbstractBaseUser, products: list[Product]) -> int:
    """Each product liked during onboarding becomes a five-star rating in the shopper's history.

    Only while the shopper's onboarding is open: afterwards the like form could be replayed to give
    any product five stars without a review, so it is refused (ValidationError "onboarding_finished").
    """
    if CustomerProfile.objects.filter(user=user, onboarding_completed=True).exists():
        raise ValidationError(
            "You have finished choosing your tastes. Rate products by reviewing them.", code="onboarding_finished"
        )
    for product in products:
        interaction_record(product=product, kind=Interaction.Kind.RATING, user=user, value=5.0)
    return len(products)
