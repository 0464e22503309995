import django.db.models.deletion
from django.db import migrations, models

COLOURS = [
    ("black", "Black"),
    ("white", "White"),
    ("grey", "Grey"),
    ("silver", "Silver"),
    ("red", "Red"),
    ("orange", "Orange"),
    ("yellow", "Yellow"),
    ("green", "Green"),
    ("blue", "Blue"),
    ("navy", "Navy"),
    ("purple", "Purple"),
    ("pink", "Pink"),
    ("brown", "Brown"),
    ("beige", "Beige"),
    ("gold", "Gold"),
    ("multicolour", "Multicolour"),
]


class Migration(migrations.Migration):
    """Product variants, step 1 of 3: the table, and the cart and order lines' variant (empty until step 2)."""

    dependencies = [("shop", "0005_customer_public_name")]

    operations = [
        migrations.CreateModel(
            name="ProductVariant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sku", models.CharField(max_length=40, unique=True, verbose_name="SKU")),
                (
                    "size",
                    models.CharField(
                        blank=True, help_text='"M", "42", "4-5Y"; empty when there is one version.', max_length=40
                    ),
                ),
                (
                    "colour",
                    models.CharField(
                        blank=True,
                        choices=COLOURS,
                        help_text="Only where one product comes in several colours; empty means the product's colour.",
                        max_length=20,
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(default=0, help_text="Order in the size picker: XS before S."),
                ),
                ("stock", models.PositiveIntegerField(default=0)),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="variants", to="shop.product"
                    ),
                ),
            ],
            options={
                "ordering": ["product", "position", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("product", "colour", "size"), name="variant_one_per_colour_and_size"
                    ),
                    models.CheckConstraint(condition=models.Q(("stock__gte", 0)), name="variant_stock_not_negative"),
                ],
            },
        ),
        migrations.AlterField(
            model_name="product",
            name="stock",
            field=models.PositiveIntegerField(
                default=0, editable=False, help_text="Units in stock over all its sizes (the variants' sum)."
            ),
        ),
        migrations.AlterField(
            model_name="product",
            name="size",
            field=models.CharField(
                blank=True,
                help_text='As printed on the label, or the range its variants come in: "15-inch", "XS–XL". Sizes to buy are variants.',
                max_length=40,
            ),
        ),
        migrations.AddField(
            model_name="cartline",
            name="variant",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="shop.productvariant"
            ),
        ),
        migrations.AddField(
            model_name="orderline",
            name="variant",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="order_lines",
                to="shop.productvariant",
            ),
        ),
        migrations.AddField(
            model_name="orderline", name="size", field=models.CharField(blank=True, max_length=40)
        ),
        migrations.AddField(
            model_name="orderline",
            name="colour",
            field=models.CharField(blank=True, choices=COLOURS, max_length=20),
        ),
        migrations.AlterField(
            model_name="orderline", name="sku", field=models.CharField(max_length=40, verbose_name="SKU")
        ),
    ]
