"""Guest checkout: an order without an account (known by its email), a guest resubmission's own
idempotency constraint, an index for finding orders by email, and countries as ISO codes."""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models
from django_countries import countries


def countries_to_codes(apps, schema_editor) -> None:
    """Checkout now offers countries as ISO 3166-1 codes; a name typed before becomes its code where it is one
    (so the next checkout's prefill selects it); a name that is no country stays as the shopper wrote it."""
    Order = apps.get_model("shop", "Order")
    for value in Order.objects.values_list("country", flat=True).distinct():
        code = countries.alpha2(value.strip()) or countries.by_name(value.strip())
        if code and code != value:
            Order.objects.filter(country=value).update(country=code)


def codes_to_countries(apps, schema_editor) -> None:
    Order = apps.get_model("shop", "Order")
    for value in Order.objects.values_list("country", flat=True).distinct():
        name = countries.name(value) if len(value) == 2 else ""
        if name:
            Order.objects.filter(country=value).update(country=name)


def guest_orders_refuse(apps, schema_editor) -> None:
    """Going back makes every order need an account again, which a guest's order does not have."""
    if apps.get_model("shop", "Order").objects.filter(user__isnull=True).exists():
        raise RuntimeError(
            "Guest orders exist: they have no account, which the earlier schema requires. "
            "Assign them to accounts (or delete them) before migrating back."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0009_product_image_aligned_embedding"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="orders",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        # Listed after the field change, so that going back checks before the column becomes NOT NULL.
        migrations.RunPython(migrations.RunPython.noop, guest_orders_refuse),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(django.db.models.functions.text.Upper("email"), name="order_email_upper"),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(
                condition=models.Q(("user__isnull", True)),
                fields=("idempotency_key",),
                name="order_one_per_guest_checkout",
            ),
        ),
        migrations.RunPython(countries_to_codes, codes_to_countries),
    ]
