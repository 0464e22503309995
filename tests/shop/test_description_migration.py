import importlib

import pytest
from django.apps import apps

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("shop.migrations.0011_product_descriptions_without_ratings")


def test_old_demo_descriptions_lose_their_rating_sentence_and_others_are_untouched():
    old = ProductFactory(
        description="Made of silk, sized XS to XL. Rated 4.4 out of 5 by 244 shoppers. Machine wash cold."
    )
    other = ProductFactory(description="Loved by 3 shoppers. Rated highly.")
    migration.descriptions_strip_ratings(apps, None)
    old.refresh_from_db()
    other.refresh_from_db()
    assert old.description == "Made of silk, sized XS to XL. Machine wash cold."
    assert other.description == "Loved by 3 shoppers. Rated highly."
