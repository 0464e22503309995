"""The image encoder's registry (training runs and the encoder versions they register), and shoppers' review words.

The registry has the same shape as the recommender's (`recommender.models.TrainingRun` / `ModelVersion`): one
run in progress and one live version at a time, both held by database constraints. A parallel
pair rather than the recommender's rows, as those carry the recommender's stages, feature
schema and item vectors.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ImageEncoderRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class Stage(models.TextChoices):
        TRAIN = "train", "Train"
        EVALUATE = "evaluate", "Evaluate"
        PUBLISH = "publish", "Register, embed and publish"

    class Trigger(models.TextChoices):
        ADMIN = "admin"
        COMMAND = "command"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # True while queued or running, NULL afterwards: the unique constraint allows one such row.
    in_progress = models.BooleanField(null=True, default=True, editable=False)
    stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.COMMAND)
    starting_point = models.CharField(
        max_length=200, blank=True, help_text="The tower trained: resnet18 from scratch, or CLIP's image tower."
    )
    force_publish = models.BooleanField(default=False, help_text="Publish even if the live encoder scores higher.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stages = models.JSONField(default=dict, blank=True, help_text="Per stage: status, started, seconds, figures.")
    log = models.TextField(blank=True)
    losses = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(
        default=dict,
        blank=True,
        help_text="Scores of the new encoder, the live one and the baseline on distorted photos.",
    )
    error = models.TextField(blank=True)
    published = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("run_image_training", "Can start and stop image encoder training runs")]
        constraints = [
            models.UniqueConstraint(
                fields=["in_progress"], condition=Q(in_progress=True), name="one_image_encoder_run_at_a_time"
            ),
            models.CheckConstraint(
                condition=Q(in_progress=True, status__in=["queued", "running"])
                | Q(in_progress__isnull=True, status__in=["succeeded", "failed"]),
                name="image_encoder_run_in_progress_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"Image encoder run {self.pk} ({self.status})"

    @property
    def model_artifact(self) -> str:
        return f"image-encoder-runs/{self.pk}/tower.pt"

    def stage_figures(self, *, stage: str) -> dict:
        return (self.stages.get(stage) or {}).get("figures") or {}


class ImageEncoderVersion(models.Model):
    run = models.OneToOneField(ImageEncoderRun, on_delete=models.PROTECT, related_name="version")
    name = models.CharField(max_length=200, unique=True, help_text="Stored beside each vector it made.")
    artifact = models.CharField(max_length=300)
    artifact_sha256 = models.CharField("artifact SHA-256", max_length=64)
    text_encoder = models.CharField(max_length=200, help_text="The text encoder whose space it was trained into.")
    metrics = models.JSONField(default=dict)
    # True for the one version serving now, NULL otherwise (unique among the True ones).
    is_live = models.BooleanField(null=True, default=None, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("publish_imageencoderversion", "Can put an image encoder version live")]
        constraints = [
            models.UniqueConstraint(fields=["is_live"], condition=Q(is_live=True), name="one_live_image_encoder"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductReviewText(models.Model):
    """Shoppers' own words for a product: the frequent words of its published reviews ("cardi", "jammies", "cosy").

    Written by `search.review_text.review_texts_refresh` whenever the product is embedded (the review-change
    path queues that), searched by the lexical ranking with a low weight and added to the embedded text.
    """

    product = models.OneToOneField(
        "shop.Product", on_delete=models.CASCADE, primary_key=True, related_name="review_text"
    )
    phrases = models.TextField()
    document = models.GeneratedField(
        expression=SearchVector("phrases", weight="D", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [GinIndex(fields=["document"], name="product_review_text_document")]

    def __str__(self) -> str:
        return f"Review words of product {self.product_id}"
