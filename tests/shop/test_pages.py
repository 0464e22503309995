from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from shop.models import Interaction
from tests.factories import CategoryFactory, ProductFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_lists_active_products_and_the_departments(client):
    department = CategoryFactory(name="Garden Things")
    shown = ProductFactory(title="Blue Watering Can", category=CategoryFactory(parent=department))
    hidden = ProductFactory(title="Withdrawn Hose", is_active=False)
    page = client.get(reverse("shop:home")).content.decode()
    assert shown.title in page and "$19.99" in page
    assert hidden.title not in page
    assert "Garden Things" in page


def test_category_page_shows_its_subtree_paginated_and_sorted(client):
    department = CategoryFactory(name="Kitchen")
    leaf = CategoryFactory(name="Mugs", parent=department)
    for n in range(30):
        ProductFactory(category=leaf, title=f"Mug number {n:02d}", price=Decimal(10 + n))
    first = client.get(reverse("shop:category", args=[department.slug]), {"sort": "price"}).content.decode()
    assert "30 products" in first and "Page 1 of 2" in first
    assert "Mug number 00" in first and "Mug number 29" not in first
    assert f'href="/c/{leaf.slug}/"' in first, "subcategories are linked"
    second = client.get(reverse("shop:category", args=[department.slug]), {"sort": "price", "page": 2}).content.decode()
    assert "Mug number 29" in second
    dearest = client.get(reverse("shop:category", args=[department.slug]), {"sort": "-price"}).content.decode()
    assert dearest.index("Mug number 29") < dearest.index("Mug number 28")


def test_category_page_filters_counts_facets_and_shows_stars(client):
    leaf = CategoryFactory(name="Lamps")
    ProductFactory(category=leaf, title="Brass Desk Lamp", brand="Lumen", price=Decimal(40))
    # The rating figures as reviews.services.review_change_propagate stores them.
    ProductFactory(
        category=leaf, title="Paper Floor Lamp", brand="Glow", price=Decimal(90), rating_average=4.5, review_count=2
    )
    url = reverse("shop:category", args=[leaf.slug])
    page = client.get(url).content.decode()
    assert 'Lumen</a> <span class="count">1</span>' in page, "brand facet with its count"
    assert "Rated</span> 4.5" in page, "star rating on the product card"
    narrowed = client.get(url, {"brand": "Glow"}).content.decode()
    assert "Paper Floor Lamp" in narrowed and "Brass Desk Lamp" not in narrowed
    assert "1 product" in narrowed and "Glow <span" in narrowed, "the applied filter is a chip"
    refused = client.get(url, {"min_price": "-3"})
    assert refused.status_code == 200 and "could not be used" in refused.content.decode()


def test_unknown_category_sort_and_page_do_not_break_the_page(client):
    leaf = CategoryFactory()
    ProductFactory(category=leaf)
    response = client.get(reverse("shop:category", args=[leaf.slug]), {"sort": "'; drop", "page": "x"})
    assert response.status_code == 200
    assert client.get(reverse("shop:category", args=["no-such-category"])).status_code == 404


def test_product_page_shows_what_a_shopper_needs_and_logs_the_view(client):
    product = ProductFactory(title="Trail Backpack", stock=3, size="30 L", description="Roomy. <b>Tough</b>.")
    ReviewFactory(product=product, rating=5, title="Love it", body="Carried it up three mountains.")
    ReviewFactory(product=product, rating=3, is_published=False, body="Hidden by moderation")
    shopper = UserFactory()
    client.force_login(shopper)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Trail Backpack" in page and "$19.99" in page and "only 3 left" in page and "30 L" in page
    assert "Carried it up three mountains." in page and "Hidden by moderation" not in page
    assert "&lt;b&gt;Tough&lt;/b&gt;" in page, "product text is escaped"
    assert Interaction.objects.filter(user=shopper, product=product, kind="view").count() == 1


def test_anonymous_views_are_logged_against_the_session_from_the_second_page_on(client):
    # The session's demo shop has its own events and sessions; this test starts from none (rolled back after).
    Interaction.objects.all().delete()
    Session.objects.all().delete()
    product = ProductFactory()
    first = client.get(product.get_absolute_url())
    assert first.status_code == 200 and settings.CSRF_COOKIE_NAME in first.cookies, "a first visit only gets a cookie"
    assert not Interaction.objects.exists() and not Session.objects.exists()
    client.get(product.get_absolute_url())
    event = Interaction.objects.get(product=product)
    assert event.user is None and event.session_key == client.session.session_key


def test_inactive_and_unknown_products_are_not_found(client):
    assert client.get(ProductFactory(is_active=False).get_absolute_url()).status_code == 404
    assert client.get(reverse("shop:product", args=["nothing-here"])).status_code == 404
