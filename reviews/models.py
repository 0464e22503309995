from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Review(models.Model):
    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    verified_purchase = models.BooleanField(default=False)
    is_published = models.BooleanField("published", default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["product", "author"], name="review_one_per_author_and_product"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_between_1_and_5"),
        ]
        indexes = [models.Index(fields=["product", "is_published", "-created_at"], name="review_product_published")]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.title or self.body[:40]}"


class ReviewVote(models.Model):
    """A shopper found a review helpful; one vote per shopper and review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "user"], name="review_vote_one_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} found review {self.review_id} helpful"


class ReviewSummary(models.Model):
    """The stored AI summary of a product's published reviews and the aspects computed from them.

    `review_hash` names the review set it was built from; a summary whose set is unchanged
    is never rebuilt. `text` is empty when the LLM output failed validation (`note` says so)
    or when only aspects exist yet; `error` holds the last LLM failure for staff, while the
    previous text stays on the page.
    """

    product = models.OneToOneField("shop.Product", on_delete=models.CASCADE, related_name="review_summary")
    text = models.TextField(blank=True)
    aspects = models.JSONField(default=list, blank=True)
    review_count = models.PositiveIntegerField(default=0)
    review_hash = models.CharField(max_length=64, blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=300, blank=True)
    is_stale = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    error_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    generation_seconds = models.FloatField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    evidence = models.JSONField(
        default=list,
        blank=True,
        help_text="Per sentence of the text: the review sentences that support it (review id, text, similarity).",
    )

    class Meta:
        verbose_name_plural = "review summaries"
        indexes = [models.Index(fields=["is_stale"], name="review_summary_stale")]

    def __str__(self) -> str:
        return f"Summary of {self.product}"


class SentimentModel(models.Model):
    """A sentence-polarity classifier the shop trained on rated reviews (`manage.py train_review_sentiment`).

    The newest row is the one in use; its weights are an artifact (`ml/artifacts.py`), checked
    against `artifact_sha256` when loaded. `metrics` holds its held-out accuracy beside the baselines.
    """

    encoder_name = models.CharField(max_length=200)
    artifact_name = models.CharField(max_length=300)
    artifact_sha256 = models.CharField(max_length=64)
    metrics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Review sentiment model {self.pk} ({self.encoder_name})"
