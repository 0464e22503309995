"""The recommender's registry: training runs, the model versions they register, and item vectors."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

ITEM_VECTOR_DIMENSIONS = 64


class TrainingRun(models.Model):
    """One pass through the pipeline; each stage writes its status, duration, log and figures here."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class Stage(models.TextChoices):
        SNAPSHOT = "snapshot", "Snapshot features"
        TRAIN = "train", "Train"
        EVALUATE = "evaluate", "Evaluate"
        REGISTER = "register", "Register version"
        EMBED = "embed", "Embed items"
        PUBLISH = "publish", "Publish"

    class Trigger(models.TextChoices):
        ADMIN = "admin"
        SCHEDULE = "schedule"
        COMMAND = "command"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # True while queued or running, NULL afterwards: the unique constraint allows one such row.
    in_progress = models.BooleanField(null=True, default=True, editable=False)
    stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.COMMAND)
    force_publish = models.BooleanField(default=False, help_text="Publish even if the live model scores higher.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stages = models.JSONField(default=dict, blank=True, help_text="Per stage: status, started, seconds, figures.")
    log = models.TextField(blank=True)
    losses = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(
        default=dict, blank=True, help_text="Held-out scores of the new model, the live one and the baselines."
    )
    error = models.TextField(blank=True)
    published = models.BooleanField(default=False)
    data_start = models.DateTimeField(null=True, blank=True)
    data_end = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # Runs are written by the pipeline only, so "add" and "change" say nothing about who may train.
        permissions = [("run_training", "Can start and stop training runs")]
        constraints = [
            models.UniqueConstraint(
                fields=["in_progress"], condition=Q(in_progress=True), name="one_training_run_at_a_time"
            ),
            models.CheckConstraint(
                condition=Q(in_progress=True, status__in=["queued", "running"])
                | Q(in_progress__isnull=True, status__in=["succeeded", "failed"]),
                name="training_run_in_progress_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"Training run {self.pk} ({self.status})"

    @property
    def snapshot_artifact(self) -> str:
        """The run's training and evaluation data in the artifact storage, deleted when the run ends."""
        return f"runs/{self.pk}/snapshot.pt"

    @property
    def model_artifact(self) -> str:
        return f"runs/{self.pk}/model.pt"

    def stage_artifact_sha256(self, *, stage: str) -> str:
        """The SHA-256 of the artifact `stage` saved, as recorded among its figures ("" when it saved none)."""
        return ((self.stages.get(stage) or {}).get("figures") or {}).get("artifact_sha256", "")


class ModelVersion(models.Model):
    run = models.OneToOneField(TrainingRun, on_delete=models.PROTECT, related_name="model_version")
    artifact = models.CharField(max_length=300, help_text="Path in the artifact storage.")
    artifact_sha256 = models.CharField(
        "artifact SHA-256",
        max_length=64,
        blank=True,
        help_text="Of the artifact's bytes when saved; a load of any other bytes is refused.",
    )
    feature_schema_hash = models.CharField(max_length=16)
    metrics = models.JSONField(default=dict)
    data_start = models.DateTimeField(null=True, blank=True)
    data_end = models.DateTimeField()
    items = models.PositiveIntegerField(default=0)
    # True for the one version serving now, NULL otherwise (unique among the True ones).
    is_live = models.BooleanField(null=True, default=None, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("publish_modelversion", "Can put a model version live or roll back to an earlier one")]
        constraints = [
            models.UniqueConstraint(fields=["is_live"], condition=Q(is_live=True), name="one_live_model_version"),
        ]

    def __str__(self) -> str:
        return f"Model v{self.pk}"

    @property
    def held_out_ndcg(self) -> float | None:
        return (self.metrics.get("two-tower") or {}).get("ndcg@10")


class ItemVector(models.Model):
    """The item tower's vector of a product under one model version; serving reads the live version's."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="item_vectors")
    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="+")
    vector = VectorField(dimensions=ITEM_VECTOR_DIMENSIONS)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "product"], name="one_vector_per_product_and_version")
        ]
        indexes = [
            HnswIndex(
                name="item_vector_hnsw", fields=["vector"], m=16, ef_construction=64, opclasses=["vector_cosine_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version}: product {self.product_id}"


class Experiment(models.Model):
    """An A/B test of recommendations: signed-in shoppers split, stably, between the live version and a candidate."""

    class Arm(models.TextChoices):
        CONTROL = "control", "Live model"
        CANDIDATE = "candidate", "Candidate"

    name = models.CharField(max_length=100)
    control = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    candidate_share = models.FloatField(
        default=0.5, help_text="Share of shoppers who see the candidate's picks (0.01–0.99)."
    )
    is_running = models.BooleanField(null=True, default=True, editable=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [("run_experiment", "Can start, stop and decide A/B tests of model versions")]
        constraints = [
            models.UniqueConstraint(fields=["is_running"], condition=Q(is_running=True), name="one_running_experiment"),
            models.CheckConstraint(
                condition=Q(candidate_share__gte=0.01, candidate_share__lte=0.99), name="experiment_share_in_range"
            ),
            models.CheckConstraint(condition=~Q(control=models.F("candidate")), name="experiment_arms_differ"),
        ]

    def __str__(self) -> str:
        return self.name or f"A/B test {self.pk}"


class Impression(models.Model):
    """One recommended product shown in one slot, and what the shopper did with it in the same session."""

    class Surface(models.TextChoices):
        HOME = "home", "Home page"
        API = "api", "API"
        SIMULATED = "simulated", "Simulated shopper"

    created_at = models.DateTimeField(default=timezone.now)
    surface = models.CharField(max_length=10, choices=Surface.choices)
    slot = models.PositiveSmallIntegerField()
    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(max_length=40, blank=True)
    version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=10, help_text='"model" or "trending".')
    experiment = models.ForeignKey(
        Experiment, null=True, blank=True, on_delete=models.SET_NULL, related_name="impressions"
    )
    arm = models.CharField(max_length=10, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    carted_at = models.DateTimeField(null=True, blank=True)
    purchased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["experiment", "arm"], name="impression_experiment_arm"),
            models.Index(fields=["user", "product", "-created_at"], name="impression_user_product"),
            models.Index(fields=["session_key", "product", "-created_at"], name="impression_session_product"),
            models.Index(fields=["-created_at"], name="impression_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in slot {self.slot} ({self.surface})"
