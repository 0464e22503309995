from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reviews.models import Review
from shop.models import Interaction, Order, Product
from shop.selectors import product_list
from shop.services.catalog import category_save
from tests.factories import (
    CategoryFactory,
    InteractionFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_category_paths_follow_the_tree_and_a_move_carries_the_subtree():
    home = CategoryFactory(slug="home-x", name="Home")
    garden = CategoryFactory(slug="garden-x", name="Garden")
    lighting = CategoryFactory(slug="lighting-x", name="Lighting", parent=home)
    lamps = CategoryFactory(slug="lamps-x", name="Lamps", parent=lighting)
    assert lamps.path == "home-x/lighting-x/lamps-x" and lamps.depth == 2

    lighting.parent = garden
    category_save(category=lighting)
    lamps.refresh_from_db()
    assert lamps.path == "garden-x/lighting-x/lamps-x"


def test_a_move_or_rename_rewrites_the_subtrees_depths_and_product_names():
    home = CategoryFactory(slug="home-y", name="Home")
    garden = CategoryFactory(slug="garden-y", name="Garden", parent=CategoryFactory(slug="outdoor-y", name="Outdoor"))
    lighting = CategoryFactory(slug="lighting-y", name="Lighting", parent=home)
    lamps = CategoryFactory(slug="lamps-y", name="Lamps", parent=lighting)
    lamp, light = ProductFactory(category=lamps), ProductFactory(category=lighting)

    lighting.parent, lighting.name = garden, "Lights"
    category_save(category=lighting)
    lamps.refresh_from_db()
    assert (lamps.path, lamps.depth) == ("outdoor-y/garden-y/lighting-y/lamps-y", 3)
    assert Product.objects.get(pk=lamp.pk).category_names == "Outdoor › Garden › Lights › Lamps"
    assert Product.objects.get(pk=light.pk).category_names == "Outdoor › Garden › Lights"

    lighting.parent = None
    category_save(category=lighting)
    lamps.refresh_from_db()
    assert (lamps.path, lamps.depth) == ("lighting-y/lamps-y", 1)
    assert Product.objects.get(pk=lamp.pk).category_names == "Lights › Lamps"


def test_a_category_cannot_be_moved_under_its_own_subtree():
    top = CategoryFactory()
    child = CategoryFactory(parent=top)
    grandchild = CategoryFactory(parent=child)
    top.parent = grandchild
    with pytest.raises(ValidationError, match="under itself"):
        top.save()
    top.refresh_from_db()
    assert top.parent is None


def test_category_listing_includes_the_whole_subtree_and_hides_inactive_products():
    department = CategoryFactory()
    leaf = CategoryFactory(parent=CategoryFactory(parent=department))
    visible = ProductFactory(category=leaf)
    ProductFactory(category=leaf, is_active=False)
    ProductFactory()
    assert list(product_list(filters={"category": department})) == [visible]


@pytest.mark.parametrize("field, value", [("price", Decimal("-1.00")), ("stock", -1)])
def test_the_database_refuses_negative_price_and_stock(field, value):
    product = ProductFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(**{field: value})


def test_interactions_are_append_only_and_need_an_actor():
    product = ProductFactory()
    event = InteractionFactory(product=product, kind=Interaction.Kind.VIEW)
    event.kind = Interaction.Kind.PURCHASE
    with pytest.raises(ValidationError, match="append-only"):
        event.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Interaction.objects.create(product=product, kind=Interaction.Kind.VIEW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Interaction.objects.create(session_key="abc", product=product, kind=Interaction.Kind.RATING, value=7)


def test_an_order_counts_the_units_on_its_lines_and_knows_where_it_may_go_next():
    order = OrderFactory()
    OrderLineFactory(order=order, quantity=2)
    OrderLineFactory(order=order, quantity=3)
    assert order.item_count == 5
    assert order.next_statuses == (Order.Status.PAID, Order.Status.CANCELLED)


def test_one_review_per_shopper_and_product_with_ratings_one_to_five():
    review = ReviewFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(product=review.product, author=review.author, rating=5, body="Again")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(product=review.product, author=UserFactory(), rating=6, body="Too many stars")
