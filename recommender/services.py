"""The training pipeline and the model registry's writes.

A run goes through STAGES, one Celery task each (recommender.tasks); every stage records its
status, duration, figures and log lines on the TrainingRun. A failed stage ends the run with
its error and leaves the live model serving. The database allows one run in progress and one
live version at a time.
"""

import logging
import time
import traceback
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ml.artifacts import artifact_delete, artifact_load, artifact_save
from ml.devices import device_get
from recommender.dataset import EvaluationSet, demo_evaluation_set
from recommender.evaluation import als_evaluate, model_scores, popularity_evaluate
from recommender.features import FEATURE_SCHEMA_HASH, FeatureSchemaMismatch, item_rows_load, schema_check
from recommender.model import TwoTowerConfig, item_table, two_tower_train
from recommender.models import ItemVector, ModelVersion, TrainingRun
from recommender.registry import ModelUnavailable, live_model_get, model_artifact_load, model_artifact_save
from shop.models import Interaction
from shop.services import interaction_record

logger = logging.getLogger(__name__)

STAGES = [stage.value for stage in TrainingRun.Stage]
EMBED_BATCH = 4096
PUBLISHED_VERSIONS_WITH_VECTORS = 2
"""The live version and the one before it keep their item vectors, so a rollback is instant."""


class TrainingInProgress(Exception):
    pass


def training_run_start(*, trigger: str, started_by=None, force_publish: bool = False, enqueue: bool = True) -> TrainingRun:
    """Create a run and queue its first stage once the transaction commits; refused while another is in progress.

    Without `enqueue` the caller runs the stages itself (`train_recommender --wait`).
    """
    from recommender.tasks import training_stage_task

    try:
        with transaction.atomic():
            run = TrainingRun.objects.create(trigger=trigger, started_by=started_by, force_publish=force_publish)
    except IntegrityError as error:
        active = TrainingRun.objects.filter(in_progress=True).first()
        where = f"run {active.pk} is {active.status}" if active else "another run is in progress"
        raise TrainingInProgress(f"Not started: {where}. One training run at a time; wait for it to finish.") from error
    if enqueue:
        transaction.on_commit(lambda: training_stage_task.delay(run.pk, STAGES[0]))
    return run


def training_run_abandon(*, run: TrainingRun, reason: str) -> None:
    """End a run whose worker died mid-stage, so that a new one may start; the live model is untouched."""
    if not run.in_progress:
        return
    if run.stage and run.stages.get(run.stage, {}).get("status") == "running":
        run.stages[run.stage]["status"] = "failed"
    run.error = f"Stopped by staff: {reason}"
    _run_log(run=run, line=run.error)
    _run_finish(run=run, status=TrainingRun.Status.FAILED)


def _run_log(*, run: TrainingRun, line: str) -> None:
    stamp = timezone.now().strftime("%H:%M:%S")
    run.log += f"{stamp} {line}\n"
    TrainingRun.objects.filter(pk=run.pk).update(log=run.log)
    logger.info("training run %s: %s", run.pk, line)


def training_stage_run(*, run_id: int, stage: str) -> str | None:
    """Run one stage of a run; return the next stage to queue, or None when the run has ended.

    Idempotent: a stage that already succeeded, or a run that already ended, is not run again.
    """
    run = TrainingRun.objects.get(pk=run_id)
    if run.status not in (TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING):
        return None
    if run.stages.get(stage, {}).get("status") == "succeeded":
        return _next_stage(stage)
    run.status, run.stage = TrainingRun.Status.RUNNING, stage
    run.stages[stage] = {"status": "running", "started": timezone.now().isoformat()}
    run.save(update_fields=["status", "stage", "stages"])
    _run_log(run=run, line=f"{TrainingRun.Stage(stage).label}: started")
    started = time.perf_counter()
    try:
        figures = STAGE_FUNCTIONS[stage](run=run, log=lambda line: _run_log(run=run, line=line))
    except Exception as error:  # noqa: BLE001 - any failure ends the run with its message; the live model keeps serving
        _run_log(run=run, line="".join(traceback.format_exception_only(error)).strip())
        run.stages[stage].update(status="failed", seconds=round(time.perf_counter() - started, 2))
        run.error = f"{TrainingRun.Stage(stage).label} failed: {error}"
        _run_finish(run=run, status=TrainingRun.Status.FAILED)
        return None
    run.stages[stage].update(status="succeeded", seconds=round(time.perf_counter() - started, 2), figures=figures)
    run.save(update_fields=["stages"])
    _run_log(run=run, line=f"{TrainingRun.Stage(stage).label}: done in {run.stages[stage]['seconds']} s")
    following = _next_stage(stage)
    if following is None:
        _run_finish(run=run, status=TrainingRun.Status.SUCCEEDED)
    return following


def _next_stage(stage: str) -> str | None:
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def _run_finish(*, run: TrainingRun, status: str) -> None:
    run.status, run.in_progress, run.finished_at = status, None, timezone.now()
    run.save(update_fields=["status", "in_progress", "finished_at", "error", "stages", "published"])
    artifact_delete(name=_snapshot_name(run=run))


def _snapshot_name(*, run: TrainingRun) -> str:
    return f"runs/{run.pk}/snapshot.pt"


def _model_name(*, run: TrainingRun) -> str:
    return f"runs/{run.pk}/model.pt"


def _snapshot(*, run: TrainingRun, log: Callable[[str], None]) -> dict:
    dataset = demo_evaluation_set(holdout_days=settings.RECOMMENDER["HOLDOUT_DAYS"])
    artifact_save(name=_snapshot_name(run=run), payload=dataset)
    run.data_start, run.data_end = dataset.data_start, dataset.split
    run.save(update_fields=["data_start", "data_end"])
    figures = {
        "items": len(dataset.items),
        "training_examples": len(dataset.train.example_items),
        "users_evaluated": len(dataset.relevant),
        "feature_schema": FEATURE_SCHEMA_HASH,
    }
    log(f"{figures['items']:,} items, {figures['training_examples']:,} training examples before {dataset.split:%Y-%m-%d %H:%M}, "
        f"{figures['users_evaluated']:,} users held out")
    return figures


def _load_snapshot(*, run: TrainingRun) -> EvaluationSet:
    return artifact_load(name=_snapshot_name(run=run))


def _train(*, run: TrainingRun, log: Callable[[str], None]) -> dict:
    dataset = _load_snapshot(run=run)
    config = TwoTowerConfig(categorical_sizes=dataset.vocabulary.sizes(), **settings.RECOMMENDER_TRAINING["demo"])
    device = device_get()
    run.losses = []

    def on_epoch(epoch: int, loss: float) -> None:
        run.losses.append(round(loss, 5))
        TrainingRun.objects.filter(pk=run.pk).update(losses=run.losses)
        log(f"epoch {epoch}/{config.epochs}: loss {loss:.4f}")

    result = two_tower_train(data=dataset.train, config=config, device=device, on_epoch=on_epoch)
    model_artifact_save(name=_model_name(run=run), model=result.model, vocabulary=dataset.vocabulary, popularity=dataset.popularity)
    return {"device": device, "epochs": config.epochs, "seconds": round(result.seconds, 1), "final_loss": run.losses[-1]}


def _metric_row(scores) -> dict:
    return {
        "ndcg@10": round(scores.ndcg, 4),
        "precision@10": round(scores.precision, 4),
        "recall@10": round(scores.recall, 4),
        "map@10": round(scores.map, 4),
    }


def _evaluate(*, run: TrainingRun, log: Callable[[str], None]) -> dict:
    dataset = _load_snapshot(run=run)
    candidate = model_artifact_load(name=_model_name(run=run))
    metrics = {
        "two-tower": _metric_row(
            model_scores(model=candidate.model, vocabulary=candidate.vocabulary, popularity=candidate.popularity, dataset=dataset)
        ),
        "popularity": _metric_row(popularity_evaluate(dataset=dataset)),
        "als (implicit)": _metric_row(als_evaluate(dataset=dataset)),
    }
    try:
        live = live_model_get()
    except ModelUnavailable as error:
        log(f"No live model to compare with: {error}")
    else:
        row = _metric_row(model_scores(model=live.model, vocabulary=live.vocabulary, popularity=live.popularity, dataset=dataset))
        metrics["live"] = {**row, "version": live.version_id}
    run.metrics = metrics
    run.save(update_fields=["metrics"])
    for name, row in metrics.items():
        log(f"{name}: nDCG@10 {row['ndcg@10']:.4f}, P@10 {row['precision@10']:.4f}, R@10 {row['recall@10']:.4f}")
    return {"users_evaluated": len(dataset.relevant)}


def _register(*, run: TrainingRun, log: Callable[[str], None]) -> dict:
    version, _ = ModelVersion.objects.get_or_create(
        run=run,
        defaults={
            "artifact": _model_name(run=run),
            "feature_schema_hash": FEATURE_SCHEMA_HASH,
            "metrics": run.metrics,
            "data_start": run.data_start,
            "data_end": run.data_end,
        },
    )
    log(f"Registered model v{version.pk}")
    return {"version": version.pk}


def _embed(*, run: TrainingRun, log: Callable[[str], None]) -> dict:
    count = model_version_embed(version=run.model_version)
    log(f"{count:,} item vectors written")
    return {"items": count}


def _publish(*, run: TrainingRun, log: Callable[[str], None]) -> dict:
    version = run.model_version
    new = run.metrics["two-tower"]["ndcg@10"]
    live = run.metrics.get("live")
    if live is not None and new <= live["ndcg@10"] and not run.force_publish:
        reason = f"Not published: the live model v{live['version']} scores nDCG@10 {live['ndcg@10']:.4f}, this one {new:.4f}."
        log(reason)
        return {"published": False, "reason": reason}
    model_version_activate(version=version)
    run.published = True
    run.save(update_fields=["published"])
    reason = (
        "Published: no model was live." if live is None
        else f"Published{' (forced)' if run.force_publish and new <= live['ndcg@10'] else ''}: "
        f"nDCG@10 {new:.4f} against the live model's {live['ndcg@10']:.4f}."
    )
    log(reason)
    return {"published": True, "reason": reason}


STAGE_FUNCTIONS: dict[str, Callable[..., dict]] = {
    "snapshot": _snapshot,
    "train": _train,
    "evaluate": _evaluate,
    "register": _register,
    "embed": _embed,
    "publish": _publish,
}


def model_version_embed(*, version: ModelVersion) -> int:
    """Write the item tower's vector of every active product for `version` (replacing any it had)."""
    loaded = model_artifact_load(name=version.artifact, version_id=version.pk)
    items = item_rows_load()
    vectors = item_table(model=loaded.model, items=loaded.item_tensors(items=items), batch_size=EMBED_BATCH).cpu().numpy()
    with transaction.atomic():
        ItemVector.objects.filter(version=version).delete()
        ItemVector.objects.bulk_create(
            (ItemVector(version=version, product_id=item.product_id, vector=vector) for item, vector in zip(items, vectors)),
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
    ItemVector.objects.exclude(version_id__in=keep).exclude(version_id__in=[pk for pk in unfinished if pk]).delete()


def onboarding_likes_record(*, user, products) -> int:
    """Each product liked during onboarding becomes a five-star rating in the shopper's history."""
    for product in products:
        interaction_record(product=product, kind=Interaction.Kind.RATING, user=user, value=5.0)
    return len(products)
