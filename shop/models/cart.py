from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from shop.models.catalog import Product, ProductVariant

MAX_LINE_QUANTITY = 99


class Cart(models.Model):
    """A shopper's cart: one per account; a visitor's is found through the id kept in their session.

    Keeping the id in the session (not the session key) lets it survive the key change at
    log-in, when it is merged into the account's cart.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cart {self.pk} of {self.user or 'a visitor'}"


class CartLine(models.Model):
    """A variant in a cart. `product` is the variant's product, kept beside it (services set both) so that
    pages, prices and events read the product without a join."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    # The unit price the shopper last saw and accepted; checkout compares it with the live one.
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_one_per_variant"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_LINE_QUANTITY), name="cart_line_quantity_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity

    @property
    def price_changed(self) -> bool:
        return self.unit_price != self.product.price
