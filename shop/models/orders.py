import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django_countries import countries

from shop.models.catalog import Product, ProductVariant


class Order(models.Model):
    # What a shopper types at checkout and finds filled in from their last order next time.
    ADDRESS_FIELDS = ("full_name", "address_line1", "address_line2", "city", "postal_code", "country", "phone")

    class Status(models.TextChoices):
        PLACED = "placed"
        PAID = "paid"
        SHIPPED = "shipped"
        DELIVERED = "delivered"
        CANCELLED = "cancelled"

    # Where each status may go next; cancelling returns the stock.
    TRANSITIONS = {
        Status.PLACED: (Status.PAID, Status.CANCELLED),
        Status.PAID: (Status.SHIPPED, Status.CANCELLED),
        Status.SHIPPED: (Status.DELIVERED,),
        Status.DELIVERED: (),
        Status.CANCELLED: (),
    }

    number = models.CharField(max_length=20, unique=True, editable=False)
    # Empty for a guest's order, which is known by its email until an account claims it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLACED)
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    address_line1 = models.CharField("address", max_length=200)
    address_line2 = models.CharField("address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    # An ISO 3166-1 alpha-2 code (checkout's choice); orders from before it may hold a country's name.
    country = models.CharField(max_length=100)
    phone = models.CharField(max_length=30, blank=True)
    payment_method = models.CharField(max_length=30)
    payment_reference = models.CharField(max_length=100, blank=True)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A resubmitted checkout finds the order its first submission made.
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="order_one_per_checkout"),
            # NULLs are distinct in the constraint above, so a guest's resubmission needs its own.
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=Q(user__isnull=True), name="order_one_per_guest_checkout"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="order_user_recent"),
            # Guests are known by email (`email__iexact`, which PostgreSQL runs as UPPER(email) = UPPER(%s)).
            models.Index(Upper("email"), name="order_email_upper"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("shop:order", kwargs={"number": self.number})

    @property
    def country_name(self) -> str:
        return countries.name(self.country) or self.country

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return self.TRANSITIONS[self.Status(self.status)]

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines.all())


class OrderLine(models.Model):
    """A variant as it was bought: title, the variant's SKU, size, colour and price are copied, so later
    catalog edits leave orders alone. A sold variant cannot be deleted (its stock can go to 0)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    variant = models.ForeignKey(ProductVariant, on_delete=models.PROTECT, related_name="order_lines")
    title = models.CharField(max_length=200)
    sku = models.CharField("SKU", max_length=40)
    size = models.CharField(max_length=40, blank=True)
    colour = models.CharField(max_length=20, choices=Product.Colour.choices, blank=True)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"

    @property
    def variant_label(self) -> str:
        """The size (and colour) bought: "M", "Navy, M"; empty for a product sold in one version."""
        return ", ".join(part for part in (self.get_colour_display() if self.colour else "", self.size) if part)


class OrderStatusChange(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=10, choices=Order.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Order.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "status history"

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '—'} → {self.to_status}"
