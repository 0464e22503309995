from django.db import migrations
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

BATCH = 2000


def default_variants_create(apps, schema_editor):
    """Each existing product becomes one default variant carrying its SKU and stock; its cart and order
    lines point at it. The product's size stays its attribute: it was sold in that one version."""
    Product = apps.get_model("shop", "Product")
    ProductVariant = apps.get_model("shop", "ProductVariant")
    CartLine = apps.get_model("shop", "CartLine")
    OrderLine = apps.get_model("shop", "OrderLine")
    products = Product.objects.filter(variants__isnull=True).order_by("pk").values_list("pk", "sku", "stock")
    batch = []
    for pk, sku, stock in products.iterator(chunk_size=BATCH):
        batch.append(ProductVariant(product_id=pk, sku=sku, stock=stock, position=0))
        if len(batch) >= BATCH:
            ProductVariant.objects.bulk_create(batch)
            batch = []
    ProductVariant.objects.bulk_create(batch)
    first_variant = Subquery(
        ProductVariant.objects.filter(product_id=OuterRef("product_id")).order_by("position", "pk").values("pk")[:1]
    )
    CartLine.objects.filter(variant__isnull=True).update(variant_id=first_variant)
    OrderLine.objects.filter(variant__isnull=True).update(variant_id=first_variant)


def product_stock_from_variants(apps, schema_editor):
    """Going back, a product's stock is all its variants' units."""
    Product = apps.get_model("shop", "Product")
    ProductVariant = apps.get_model("shop", "ProductVariant")
    total = ProductVariant.objects.filter(product_id=OuterRef("pk")).values("product_id").annotate(units=Sum("stock"))
    Product.objects.update(stock=Coalesce(Subquery(total.values("units")[:1]), 0))


class Migration(migrations.Migration):
    """Product variants, step 2 of 3: one default variant per existing product."""

    dependencies = [("shop", "0006_product_variants")]

    operations = [migrations.RunPython(default_variants_create, product_stock_from_variants)]
