import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Min, Sum


def noop(apps, schema_editor):
    pass


def cart_lines_merge_per_product(apps, schema_editor):
    """Going back to one cart line per product: a cart's sizes of one product become one line."""
    CartLine = apps.get_model("shop", "CartLine")
    duplicated = (
        CartLine.objects.values("cart_id", "product_id")
        .annotate(lines=models.Count("pk"), first=Min("pk"), units=Sum("quantity"))
        .filter(lines__gt=1)
    )
    for row in duplicated:
        CartLine.objects.filter(cart_id=row["cart_id"], product_id=row["product_id"]).exclude(pk=row["first"]).delete()
        CartLine.objects.filter(pk=row["first"]).update(quantity=min(row["units"], 99))


class Migration(migrations.Migration):
    """Product variants, step 3 of 3: every cart and order line names its variant; one cart line per variant."""

    dependencies = [("shop", "0007_product_variants_default")]

    operations = [
        migrations.RemoveConstraint(model_name="cartline", name="cart_line_one_per_product"),
        migrations.RunPython(noop, cart_lines_merge_per_product),
        migrations.AddConstraint(
            model_name="cartline",
            constraint=models.UniqueConstraint(fields=("cart", "variant"), name="cart_line_one_per_variant"),
        ),
        migrations.AlterField(
            model_name="cartline",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="shop.productvariant"
            ),
        ),
        migrations.AlterField(
            model_name="orderline",
            name="variant",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="order_lines", to="shop.productvariant"
            ),
        ),
    ]
