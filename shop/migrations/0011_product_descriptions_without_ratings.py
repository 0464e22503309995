"""Demo descriptions once carried "Rated 4.4 out of 5 by 244 shoppers.", which contradicts the page's live review count."""

import re

from django.db import migrations

RATING_SENTENCE = re.compile(r"\s*Rated \d(?:\.\d)? out of 5 by \d+ shoppers\.")


def descriptions_strip_ratings(apps, schema_editor):
    Product = apps.get_model("shop", "Product")
    changed = []
    for product in Product.objects.filter(description__contains=" shoppers.").only("pk", "description").iterator():
        description = RATING_SENTENCE.sub("", product.description)
        if description != product.description:
            product.description = description
            changed.append(product)
    Product.objects.bulk_update(changed, ["description"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("shop", "0010_order_guest_checkout")]

    # The removed sentence was derived data; going back leaves descriptions as they are.
    operations = [migrations.RunPython(descriptions_strip_ratings, migrations.RunPython.noop)]
