"""The image encoder's training pipeline: train → evaluate → register, embed and publish.

The recommender's shape (`recommender.pipeline`): a run goes through STAGES, one Celery task
each on the `ml` queue (`search.tasks.image_encoder_stage_task`); every stage records its
status, duration, figures and log on the `ImageEncoderRun`; a failed stage ends the run and
the live encoder keeps serving; the database allows one run in progress at a time.

Train: the image tower (`ml.image_tower`) learns to put each product's picture next to its
stored text vector; products held out by `search.evaluation_images.product_held_out` never
train. Evaluate: the candidate, the live encoder (if any) and the colour-histogram baseline on
the same distorted photos. Publish: only when the candidate beats the live encoder on the
held-out photos (or staff force it), its vectors replace the live ones in one transaction.
"""

import time
from collections.abc import Callable

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from ml.artifacts import artifact_save
from ml.devices import bfloat16_native, device_get
from ml.encoders import EncoderUnavailable, text_encoder_name
from ml.image_tower import ImageTowerConfig, image_tower_payload, image_tower_train, torchvision_classifiers
from ml.loading import loaded_reset
from ml.tasks import task_enqueue
from search.evaluation_images import (
    baseline_figures,
    catalog_pictures_load,
    evaluation_photos_draw,
    image_search_figures,
    product_held_out,
    promotion_score,
)
from search.image_encoders import LIVE_IMAGE_ENCODER_KEY, aligned_encoder_load, live_image_encoder_get
from search.models import ImageEncoderRun, ImageEncoderVersion
from shop.models import Product

STAGES = [stage.value for stage in ImageEncoderRun.Stage]


class ImageTrainingInProgress(Exception):
    pass


def image_tower_precision(*, device: str) -> str:
    """The setting's training precision; "auto" is bfloat16 where `device` computes it natively."""
    precision = settings.IMAGE_ENCODER_TRAINING["PRECISION"]
    if precision == "auto":
        return "bfloat16" if bfloat16_native(device=device) else "float32"
    if precision not in ("bfloat16", "float32"):
        raise ImproperlyConfigured(f"IMAGE_ENCODER_TRAIN_PRECISION is auto, bfloat16 or float32, not {precision!r}.")
    return precision


def image_tower_architecture() -> str:
    """The starting point: CLIP's image tower when training starts from it, else the named torchvision classifier from scratch."""
    start = settings.IMAGE_ENCODER_TRAINING["START"]
    if start == "clip":
        return f"clip:{settings.IMAGE_ENCODER['MODEL']}"
    if start not in torchvision_classifiers():
        raise ImproperlyConfigured(
            f"IMAGE_ENCODER_TRAIN_FROM is clip or a torchvision classifier (mobilenet_v3_small, resnet18, …), not {start!r}."
        )
    return start


def image_tower_config(*, device: str) -> ImageTowerConfig:
    """A torchvision classifier from scratch, or CLIP's image tower as the starting point when its weights are configured."""
    config = settings.IMAGE_ENCODER_TRAINING
    pretrained = settings.IMAGE_ENCODER["PRETRAINED"]
    precision = image_tower_precision(device=device)
    if config["START"] == "clip":
        return ImageTowerConfig(
            architecture=image_tower_architecture(),
            image_size=224,
            epochs=config["EPOCHS"],
            batch_size=config["BATCH_SIZE"],
            learning_rate=1e-5,
            pretrained=pretrained,
            precision=precision,
        )
    return ImageTowerConfig(
        architecture=image_tower_architecture(),
        image_size=config["IMAGE_SIZE"],
        epochs=config["EPOCHS"],
        batch_size=config["BATCH_SIZE"],
        learning_rate=config["LEARNING_RATE"],
        precision=precision,
    )


def image_encoder_run_start(
    *, trigger: str, started_by=None, force_publish: bool = False, enqueue: bool = True
) -> ImageEncoderRun:
    """Create a run and queue its first stage on commit; refused while another is in progress.

    The training settings (precision included) are read on the worker that trains, for its own device.
    """
    try:
        with transaction.atomic():
            run = ImageEncoderRun.objects.create(
                trigger=trigger,
                started_by=started_by,
                force_publish=force_publish,
                starting_point=image_tower_architecture(),
            )
    except IntegrityError as error:
        active = ImageEncoderRun.objects.filter(in_progress=True).first()
        where = f"run {active.pk} is {active.status}" if active else "another run is in progress"
        raise ImageTrainingInProgress(f"Not started: {where}. One image encoder run at a time.") from error
    if enqueue:
        transaction.on_commit(lambda: image_encoder_stage_enqueue(run_id=run.pk, stage=STAGES[0]), robust=True)
    return run


def image_encoder_stage_enqueue(*, run_id: int, stage: str) -> None:
    from search.tasks import image_encoder_stage_task

    if not task_enqueue(
        task=image_encoder_stage_task,
        args=[run_id, stage],
        catch_up="the run ends as failed; start it again in admin or with `manage.py train_image_encoder`",
    ):
        run = ImageEncoderRun.objects.get(pk=run_id)
        run.error = f"{ImageEncoderRun.Stage(stage).label} was not queued: the broker did not answer."
        _log(run=run, line=run.error)
        _finish(run=run, status=ImageEncoderRun.Status.FAILED)


def image_encoder_stage_run(*, run_id: int, stage: str) -> str | None:
    """Run one stage; the next stage to queue, or None when the run has ended. Idempotent."""
    run = ImageEncoderRun.objects.get(pk=run_id)
    if not run.in_progress:
        return None
    if run.stages.get(stage, {}).get("status") == "succeeded":
        return _next_stage(stage)
    run.status, run.stage = ImageEncoderRun.Status.RUNNING, stage
    run.stages[stage] = {"status": "running", "started": timezone.now().isoformat()}
    run.save(update_fields=["status", "stage", "stages"])
    _log(run=run, line=f"{ImageEncoderRun.Stage(stage).label}: started")
    started = time.perf_counter()
    try:
        figures = STAGE_FUNCTIONS[stage](run=run, log=lambda line: _log(run=run, line=line))
    except Exception as error:  # noqa: BLE001 - any failure ends the run with its message; the live encoder keeps serving
        run.stages[stage].update(status="failed", seconds=round(time.perf_counter() - started, 2))
        run.error = f"{ImageEncoderRun.Stage(stage).label} failed: {error}"
        _log(run=run, line=run.error)
        _finish(run=run, status=ImageEncoderRun.Status.FAILED)
        return None
    run.stages[stage].update(status="succeeded", seconds=round(time.perf_counter() - started, 2), figures=figures)
    run.save(update_fields=["stages"])
    _log(run=run, line=f"{ImageEncoderRun.Stage(stage).label}: done in {run.stages[stage]['seconds']} s")
    following = _next_stage(stage)
    if following is None:
        _finish(run=run, status=ImageEncoderRun.Status.SUCCEEDED)
    return following


def image_encoder_run_abandon(*, run: ImageEncoderRun, reason: str) -> None:
    if not run.in_progress:
        return
    run.error = f"Stopped by staff: {reason}"
    _log(run=run, line=run.error)
    _finish(run=run, status=ImageEncoderRun.Status.FAILED)


def _next_stage(stage: str) -> str | None:
    index = STAGES.index(stage)
    return STAGES[index + 1] if index + 1 < len(STAGES) else None


def _log(*, run: ImageEncoderRun, line: str) -> None:
    run.log += f"{timezone.now():%H:%M:%S} {line}\n"
    ImageEncoderRun.objects.filter(pk=run.pk).update(log=run.log)


def _finish(*, run: ImageEncoderRun, status: str) -> None:
    run.status, run.in_progress, run.finished_at = status, None, timezone.now()
    run.save(update_fields=["status", "in_progress", "finished_at", "error", "stages", "published"])


def _train(*, run: ImageEncoderRun, log: Callable[[str], None]) -> dict:
    pictures = catalog_pictures_load()
    vectors = dict(
        Product.objects.filter(pk__in=pictures.ids, text_encoder=text_encoder_name())
        .exclude(text_embedding=None)
        .values_list("pk", "text_embedding")
    )
    rows = [
        i
        for i, (pk, sku) in enumerate(zip(pictures.ids, pictures.skus))
        if pk in vectors and not product_held_out(sku=sku)
    ]
    if len(rows) < 2:
        raise EncoderUnavailable("Too few products have a picture and a text vector: run `manage.py embed_products`.")
    device = device_get()
    config = image_tower_config(device=device)
    log(
        f"{len(rows):,} products train ({len(pictures.ids) - len(rows):,} held out or without text vectors) on {device}"
    )
    run.losses = []

    def on_epoch(epoch: int, loss: float) -> None:
        run.losses.append(round(loss, 5))
        ImageEncoderRun.objects.filter(pk=run.pk).update(losses=run.losses)
        log(f"epoch {epoch}/{config.epochs}: loss {loss:.4f}")

    result = image_tower_train(
        images=[pictures.images[i] for i in rows],
        text_vectors=np.stack([np.asarray(vectors[pictures.ids[i]], dtype=np.float32) for i in rows]),
        config=config,
        device=device,
        on_epoch=on_epoch,
    )
    stored = artifact_save(
        name=run.model_artifact, payload=image_tower_payload(tower=result.tower, text_encoder=text_encoder_name())
    )
    return {
        "device": device,
        "architecture": config.architecture,
        "image_size": config.image_size,
        "epochs": config.epochs,
        "products": len(rows),
        "seconds": round(result.seconds, 1),
        "final_loss": run.losses[-1],
        "artifact_sha256": stored.sha256,
    }


def _candidate(run: ImageEncoderRun):
    return aligned_encoder_load(
        name=f"catalog-{run.starting_point}/run-{run.pk}",
        artifact=run.model_artifact,
        sha256=run.stage_figures(stage=ImageEncoderRun.Stage.TRAIN)["artifact_sha256"],
    )


def image_encoders_evaluate(*, candidate=None, per_part: int = 300, log: Callable[[str], None] = print) -> dict:
    """Figures of `candidate`, the live encoder and the baseline on the same distorted photos (`per_part` of
    held-out products and as many of trained ones)."""
    pictures = catalog_pictures_load()
    photos = evaluation_photos_draw(pictures=pictures, per_part=per_part)
    metrics = {"baseline (colour histogram + thumbnail)": baseline_figures(pictures=pictures, photos=photos)}
    encoders = {"candidate": candidate} if candidate is not None else {}
    try:
        encoders["live"] = live_image_encoder_get()
    except EncoderUnavailable as error:
        log(f"No live image encoder to compare with: {error}")
    for label, encoder in encoders.items():
        metrics[label] = {
            **image_search_figures(
                pictures=pictures,
                photos=photos,
                encode_images=encoder.encode_images,
                encode_texts=encoder.encode_texts,
                colour_weight=settings.SEARCH["PHOTO_COLOUR_WEIGHT"],
            ),
            "encoder": encoder.name,
        }
    return metrics


def _evaluate(*, run: ImageEncoderRun, log: Callable[[str], None]) -> dict:
    run.metrics = image_encoders_evaluate(candidate=_candidate(run), log=log)
    run.save(update_fields=["metrics"])
    for label, figures in run.metrics.items():
        held = figures["held out"]
        log(
            f"{label}: held out R@1 {held['recall@1']:.3f} R@10 {held['recall@10']:.3f} "
            f"P@5 {held['same category and colour p@5']:.3f}; words nDCG@10 {figures['words ndcg@10']:.3f}"
        )
    return {"score": promotion_score(run.metrics["candidate"])}


def _publish(*, run: ImageEncoderRun, log: Callable[[str], None]) -> dict:
    new = promotion_score(run.metrics["candidate"])
    live = run.metrics.get("live")
    if live is not None and new <= promotion_score(live) and not run.force_publish:
        reason = (
            f"Not published: the live encoder {live['encoder']} scores {promotion_score(live):.4f}, this one {new:.4f}."
        )
        log(reason)
        return {"published": False, "reason": reason}
    version = ImageEncoderVersion.objects.create(
        run=run,
        name=f"catalog-{run.starting_point}/run-{run.pk}",
        artifact=run.model_artifact,
        artifact_sha256=run.stage_figures(stage=ImageEncoderRun.Stage.TRAIN)["artifact_sha256"],
        text_encoder=text_encoder_name(),
        metrics=run.metrics,
    )
    count = image_encoder_version_activate(version=version)
    run.published = True
    run.save(update_fields=["published"])
    reason = f"Published {version.name}: score {new:.4f}" + (
        " (no encoder was live)" if live is None else f" against the live encoder's {promotion_score(live):.4f}"
    )
    log(f"{reason}; {count:,} product pictures embedded")
    return {"published": True, "reason": reason, "pictures": count}


def image_encoder_version_activate(*, version: ImageEncoderVersion, product_ids: list[int] | None = None) -> int:
    """Embed the product pictures (every one, or `product_ids`) with `version` and make it live, in one
    transaction: searches never mix encoders."""
    from search.embedding import products_embed

    with transaction.atomic():
        ImageEncoderVersion.objects.filter(is_live=True).exclude(pk=version.pk).update(is_live=None)
        version.is_live, version.published_at = True, timezone.now()
        version.save(update_fields=["is_live", "published_at"])
        loaded_reset(key=LIVE_IMAGE_ENCODER_KEY)
        ids = (
            product_ids
            if product_ids is not None
            else list(Product.objects.exclude(image="").values_list("pk", flat=True))
        )
        report = products_embed(product_ids=ids, batch_size=settings.ML_EMBED_BATCH_SIZE)
    return report.image_embedded


STAGE_FUNCTIONS: dict[str, Callable[..., dict]] = {"train": _train, "evaluate": _evaluate, "publish": _publish}


def image_tower_epoch_time(*, device: str, limit: int | None = None) -> dict:
    """One training epoch of the configured tower on `device` over the catalog's pictures (bench/gpu_check.py)."""
    import torch

    from ml.image_tower import ImageTower, augmentation_sources, image_tower_epoch

    pictures = catalog_pictures_load(limit=limit)
    vectors = dict(
        Product.objects.filter(pk__in=pictures.ids).exclude(text_embedding=None).values_list("pk", "text_embedding")
    )
    rows = [i for i, pk in enumerate(pictures.ids) if pk in vectors]
    config = image_tower_config(device=device)
    tower = ImageTower(config).to(device)
    optimizer = torch.optim.AdamW(tower.parameters(), lr=config.learning_rate)
    images = augmentation_sources(images=[pictures.images[i] for i in rows], config=config)
    started = time.perf_counter()
    loss = image_tower_epoch(
        tower=tower,
        optimizer=optimizer,
        images=images,
        text_vectors=np.stack([np.asarray(vectors[pictures.ids[i]], dtype=np.float32) for i in rows]),
        device=device,
        generator=torch.Generator().manual_seed(config.seed),
    )
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return {"device": device, "pictures": len(rows), "seconds": round(time.perf_counter() - started, 2), "loss": loss}
