"""The training pipeline: snapshot → train → evaluate → register → embed → publish.

A run goes through STAGES, one Celery task each (recommender.tasks); every stage records its
status, duration, figures and log lines on the TrainingRun. A failed stage ends the run with
its error and leaves the live model serving. The database allows one run in progress at a
time. The registry's writes it calls (run state, versions, item vectors, the live one) are in
`recommender.services`.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction

from ml.artifacts import artifact_load, artifact_save
from ml.devices import device_get
from ml.tasks import task_enqueue
from recommender.dataset import EvaluationSet, demo_evaluation_set, evaluation_set_pack, evaluation_set_unpack
from recommender.evaluation import Scores, als_evaluate, ease_evaluate, model_scores, popularity_evaluate
from recommender.features import FEATURE_SCHEMA_HASH
from recommender.model import TwoTowerConfig, two_tower_train
from recommender.models import TrainingRun
from recommender.registry import ModelUnavailable, live_model_get, model_artifact_load, model_artifact_save
from recommender.services import (
    model_version_embed,
    model_version_register,
    training_run_finish,
    training_run_log,
    training_run_publish,
    training_run_stage_fail,
    training_run_stage_start,
    training_run_stage_succeed,
)

STAGES = [stage.value for stage in TrainingRun.Stage]


class TrainingInProgress(Exception):
    pass


def training_run_start(
    *, trigger: str, started_by=None, force_publish: bool = False, enqueue: bool = True
) -> TrainingRun:
    """Create a run and queue its first stage once the transaction commits; refused while another is in progress.

    Without `enqueue` the caller runs the stages itself (`train_recommender --wait`).
    """
    try:
        with transaction.atomic():
            run = TrainingRun.objects.create(trigger=trigger, started_by=started_by, force_publish=force_publish)
    except IntegrityError as error:
        active = TrainingRun.objects.filter(in_progress=True).first()
        where = f"run {active.pk} is {active.status}" if active else "another run is in progress"
        raise TrainingInProgress(f"Not started: {where}. One training run at a time; wait for it to finish.") from error
    if enqueue:
        transaction.on_commit(lambda: training_stage_enqueue(run_id=run.pk, stage=STAGES[0]), robust=True)
    return run


def training_stage_enqueue(*, run_id: int, stage: str) -> None:
    """Queue a stage on the ml workers; a broker that does not take it ends the run, so that a new one may start."""
    from recommender.tasks import training_stage_task

    queued = task_enqueue(
        task=training_stage_task,
        args=[run_id, stage],
        catch_up="the run ends as failed; start it again in admin or with `manage.py train_recommender`",
    )
    if not queued:
        run = TrainingRun.objects.get(pk=run_id)
        run.error = f"{TrainingRun.Stage(stage).label} was not queued: the broker did not answer."
        training_run_log(run=run, line=run.error)
        training_run_finish(run=run, status=TrainingRun.Status.FAILED)


def training_stage_run(*, run_id: int, stage: str) -> str | None:
    """Run one stage of a run; return the next stage to queue, or None when the run has ended.

    Idempotent: a stage that already succeeded, or a run that already ended, is not run again.
    """
    run = TrainingRun.objects.get(pk=run_id)
    if run.status not in (TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING):
        return None
    if run.stages.get(stage, {}).get("status") == "succeeded":
        return _next_stage(stage)
    training_run_stage_start(run=run, stage=stage)
    started = time.perf_counter()
    try:
        figures = STAGE_FUNCTIONS[stage](run=run, log=lambda line: training_run_log(run=run, line=line))
    except Exception as error:  # noqa: BLE001 - any failure ends the run with its message; the live model keeps serving
        training_run_stage_fail(run=run, stage=stage, error=error, seconds=time.perf_counter() - started)
        return None
    training_run_stage_succeed(run=run, stage=stage, figures=figures, seconds=time.perf_counter() - started)
    following = _next_stage(stage)
    if following is None:
        training_run_finish(run=run, status=TrainingRun.Status.SUCCEEDED)
    return following


def _next_stage(stage: str) -> str | None:
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def _snapshot(*, run: TrainingRun, log: Callable[[str], None]) -> dict:
    dataset = demo_evaluation_set(holdout_days=settings.RECOMMENDER["HOLDOUT_DAYS"])
    stored = artifact_save(name=run.snapshot_artifact, payload=evaluation_set_pack(dataset=dataset))
    run.data_start, run.data_end = dataset.data_start, dataset.split
    run.save(update_fields=["data_start", "data_end"])
    figures = {
        "items": len(dataset.items),
        "training_examples": len(dataset.train.example_items),
        "users_evaluated": len(dataset.relevant),
        "feature_schema": FEATURE_SCHEMA_HASH,
        "artifact_sha256": stored.sha256,
    }
    log(
        f"{figures['items']:,} items, {figures['training_examples']:,} training examples before {dataset.split:%Y-%m-%d %H:%M}, "
        f"{figures['users_evaluated']:,} users held out"
    )
    return figures


def _load_snapshot(*, run: TrainingRun) -> EvaluationSet:
    payload = artifact_load(
        name=run.snapshot_artifact, sha256=run.stage_artifact_sha256(stage=TrainingRun.Stage.SNAPSHOT)
    )
    return evaluation_set_unpack(payload=payload)


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
    stored = model_artifact_save(
        name=run.model_artifact, model=result.model, vocabulary=dataset.vocabulary, popularity=dataset.popularity
    )
    return {
        "device": device,
        "epochs": config.epochs,
        "seconds": round(result.seconds, 1),
        "final_loss": run.losses[-1],
        "artifact_sha256": stored.sha256,
    }


def _metric_row(scores: Scores) -> dict:
    return {
        "ndcg@10": round(scores.ndcg, 4),
        "precision@10": round(scores.precision, 4),
        "recall@10": round(scores.recall, 4),
        "map@10": round(scores.map, 4),
        "new_ndcg@10": round(scores.ndcg_new, 4),
        "new_recall@10": round(scores.recall_new, 4),
    }


def _evaluate(*, run: TrainingRun, log: Callable[[str], None]) -> dict:
    dataset = _load_snapshot(run=run)
    candidate = model_artifact_load(
        name=run.model_artifact, sha256=run.stage_artifact_sha256(stage=TrainingRun.Stage.TRAIN)
    )
    metrics = {
        "two-tower": _metric_row(
            model_scores(
                model=candidate.model, vocabulary=candidate.vocabulary, popularity=candidate.popularity, dataset=dataset
            )
        ),
        "popularity": _metric_row(popularity_evaluate(dataset=dataset)),
        "als (implicit)": _metric_row(als_evaluate(dataset=dataset)),
        "ease": _metric_row(ease_evaluate(dataset=dataset)),
    }
    try:
        live = live_model_get()
    except ModelUnavailable as error:
        log(f"No live model to compare with: {error}")
    else:
        row = _metric_row(
            model_scores(model=live.model, vocabulary=live.vocabulary, popularity=live.popularity, dataset=dataset)
        )
        metrics["live"] = {**row, "version": live.version_id}
    run.metrics = metrics
    run.save(update_fields=["metrics"])
    for name, row in metrics.items():
        log(f"{name}: nDCG@10 {row['ndcg@10']:.4f}, P@10 {row['precision@10']:.4f}, R@10 {row['recall@10']:.4f}")
    return {"users_evaluated": len(dataset.relevant)}


def _register(*, run: TrainingRun, log: Callable[[str], None]) -> dict:
    version = model_version_register(run=run)
    log(f"Registered model v{version.pk}")
    return {"version": version.pk}


def _embed(*, run: TrainingRun, log: Callable[[str], None]) -> dict:
    count = model_version_embed(version=run.model_version)
    log(f"{count:,} item vectors written")
    return {"items": count}


def _publish(*, run: TrainingRun, log: Callable[[str], None]) -> dict:
    new = run.metrics["two-tower"]["ndcg@10"]
    live = run.metrics.get("live")
    if live is not None and new <= live["ndcg@10"] and not run.force_publish:
        reason = f"Not published: the live model v{live['version']} scores nDCG@10 {live['ndcg@10']:.4f}, this one {new:.4f}."
        log(reason)
        return {"published": False, "reason": reason}
    training_run_publish(run=run)
    reason = (
        "Published: no model was live."
        if live is None
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
