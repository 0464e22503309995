"""The demo data at the default size: counts, pictures, real reviews, and a signal a recommender can learn."""

import hashlib
import re
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Max, Min
from PIL import Image

from reviews.models import Review
from shop.demo.catalog import catalog_specs_build
from shop.demo.shoppers import preference_signal_measure
from shop.models import Category, Interaction, Product
from shop.selectors.customers import user_public_name


@pytest.fixture
def seeded(demo_catalog):
    return demo_catalog


@pytest.mark.django_db
def test_catalog_has_departments_leaves_and_products(seeded):
    departments = Category.objects.filter(parent__isnull=True)
    leaves = Category.objects.annotate(kids=Count("children")).filter(kids=0)
    assert departments.count() >= 8
    assert leaves.count() >= 40
    assert Product.objects.filter(sku__regex=r"^[A-Z]{2}-\d{6}$").exclude(sku__startswith="WC-").count() == 2000
    assert not Product.objects.exclude(category__in=leaves).exists(), "products sit in leaf categories"
    product = Product.objects.exclude(sku__startswith="WC-").order_by("sku").first()
    assert product.description.count(".") >= 3, "descriptions are several sentences"
    assert product.brand and product.price > 0 and product.colour and product.age_group


@pytest.mark.django_db
def test_seeding_leaves_every_product_embedded(seeded):
    assert seeded.embed_note.startswith("Embedded the text of")
    assert not Product.objects.filter(text_embedding__isnull=True).exists()
    assert set(Product.objects.values_list("text_encoder", flat=True)) == {settings.TEXT_ENCODER["NAME"]}


@pytest.mark.django_db
def test_every_product_has_its_own_picture(seeded):
    products = list(Product.objects.order_by("?")[:40])
    digests = set()
    for product in products:
        with Image.open(product.image.path) as image:
            assert image.format == "PNG" and image.size == (256, 256)
        digests.add(hashlib.sha256(product.image.read()).hexdigest())
    assert len(digests) == len(products), "no two pictures are the same"


@pytest.mark.django_db
def test_womens_clothing_comes_with_real_reviews(seeded):
    assert "365 products" in seeded.clothing_note
    clothing = Product.objects.filter(category__path__startswith="womens-clothing/")
    assert clothing.count() == 365
    per_product = clothing.annotate(n=Count("reviews")).aggregate(low=Min("n"), high=Max("n"))
    assert per_product["low"] >= 5
    dress_review = Review.objects.filter(product__category__slug="dresses").first()
    assert len(dress_review.body.split()) > 5
    assert Interaction.objects.filter(kind="rating", user=dress_review.author, product=dress_review.product).exists()
    reviewers = {user_public_name(user=review.author) for review in Review.objects.select_related("author__profile")}
    assert all(re.fullmatch(r"\w+ \w\.", name) for name in reviewers), "demo reviewers read as “Anna K.”"


@pytest.mark.django_db
def test_shoppers_and_their_history_meet_the_counts(seeded):
    shoppers = get_user_model().objects.filter(profile__isnull=False)
    assert shoppers.count() >= 1000
    assert Interaction.objects.count() >= 50_000
    kinds = dict(Interaction.objects.values_list("kind").annotate(n=Count("id")))
    assert set(kinds) == {"view", "cart", "purchase", "rating"}
    assert kinds["view"] > kinds["cart"] > kinds["purchase"]
    span = Interaction.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert (span["last"] - span["first"]).days >= 150, "history spreads over months"
    assert shoppers.filter(profile__onboarding_completed=True, profile__preferred_categories__isnull=False).exists()


@pytest.mark.django_db
def test_purchases_follow_hidden_tastes_three_times_more_than_chance(seeded):
    preferred, random_pairs = preference_signal_measure(tastes=seeded.tastes, category_ids=seeded.category_ids)
    assert preferred >= 3 * random_pairs, f"{preferred:.1%} vs {random_pairs:.1%}"


@pytest.mark.django_db
def test_seeding_again_changes_nothing(seeded):
    before = (
        Product.objects.count(),
        Interaction.objects.count(),
        Review.objects.count(),
        get_user_model().objects.count(),
    )
    out = StringIO()
    call_command("seed_demo", products=2000, users=1000, seed=7, stdout=out, stderr=StringIO())
    after = (
        Product.objects.count(),
        Interaction.objects.count(),
        Review.objects.count(),
        get_user_model().objects.count(),
    )
    assert after == before
    assert "Created 0 products, 0 shoppers, 0 interactions, 0 reviews." in out.getvalue()
    assert "Embedded the text of 0 and the pictures of 0 products." in out.getvalue()
    assert "Demo logins" in out.getvalue()


@pytest.mark.django_db
def test_demo_logins_work(seeded, client):
    assert client.login(username="demo", password="demo-shopper")
    assert client.login(username="staff", password="demo-staff")
    assert client.get("/admin/").status_code == 200


def test_the_same_seed_gives_the_same_catalog():
    first = catalog_specs_build(seed=7, count=50)
    assert first == catalog_specs_build(seed=7, count=50)
    assert [s.title for s in first] != [s.title for s in catalog_specs_build(seed=8, count=50)]
