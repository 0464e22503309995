from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from shop.models.catalog import Category, Product

PUBLIC_NAME_MAX_LENGTH = 40


class CustomerProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    preferred_categories = models.ManyToManyField(Category, blank=True, related_name="+")
    onboarding_completed = models.BooleanField(default=False)
    public_name = models.CharField(
        max_length=PUBLIC_NAME_MAX_LENGTH,
        blank=True,
        help_text="The name shown with the shopper's reviews; empty: first name and last initial.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class Interaction(models.Model):
    """One shopper event. Append-only: the recommender's training data and live history."""

    class Kind(models.TextChoices):
        VIEW = "view"
        CART = "cart", "Add to cart"
        PURCHASE = "purchase"
        RATING = "rating"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="interactions"
    )
    session_key = models.CharField(max_length=40, blank=True, help_text="Anonymous visitor's session.")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.FloatField(default=1.0, help_text="The stars for a rating; otherwise 1.")
    quantity = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(F("user"), F("created_at").desc(), name="interaction_user_recent"),
            models.Index(F("session_key"), F("created_at").desc(), name="interaction_session_recent"),
            models.Index(fields=["created_at"], name="interaction_since"),
            models.Index(fields=["product", "kind"], name="interaction_product_kind"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(session_key=""), name="interaction_has_actor"),
            models.CheckConstraint(
                condition=~Q(kind="rating") | Q(value__gte=1, value__lte=5), name="interaction_rating_between_1_and_5"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="interaction_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.product_id} by {self.user_id or self.session_key}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError("Interactions are append-only; record a new event instead.")
        super().save(*args, **kwargs)
