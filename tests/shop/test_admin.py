import pytest
from django.urls import reverse

from reviews.models import Review
from shop.models import Interaction, Product
from tests.factories import CategoryFactory, InteractionFactory, ProductFactory, ReviewFactory, UserFactory, variant_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "model", ["shop/product", "shop/category", "shop/interaction", "shop/customerprofile", "reviews/review"]
)
def test_staff_can_open_every_list(staff_client, model):
    ReviewFactory()
    response = staff_client.get(f"/admin/{model}/")
    assert response.status_code == 200


def test_shoppers_do_not_reach_admin(client):
    client.force_login(UserFactory())
    response = client.get("/admin/shop/product/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_refuses_a_negative_price_and_stock_and_keeps_the_product(staff_client):
    product = ProductFactory()
    variant = variant_of(product)
    url = reverse("admin:shop_product_change", args=[product.pk])
    form = {
        "title": product.title,
        "slug": product.slug,
        "sku": product.sku,
        "category": product.category_id,
        "brand": product.brand,
        "description": product.description,
        "is_active": "on",
        "price": "-3.00",
        "colour": "",
        "material": "",
        "size": "",
        "age_group": "all",
        "created_at_0": "2026-01-01",
        "created_at_1": "10:00:00",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-MIN_NUM_FORMS": "1",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-id": variant.pk,
        "variants-0-product": product.pk,
        "variants-0-position": "0",
        "variants-0-size": "",
        "variants-0-colour": "",
        "variants-0-sku": variant.sku,
        "variants-0-stock": "-1",
    }
    response = staff_client.post(url, form)
    assert response.status_code == 200
    assert "price" in response.context["adminform"].form.errors
    assert "stock" in response.context["inline_admin_formsets"][0].formset.errors[0]
    product.refresh_from_db(), variant.refresh_from_db()
    assert product.price > 0 and product.stock == 10 and variant.stock == 10


def test_admin_refuses_a_category_loop(staff_client):
    parent = CategoryFactory(name="Parent")
    child = CategoryFactory(name="Child", parent=parent)
    url = reverse("admin:shop_category_change", args=[parent.pk])
    response = staff_client.post(url, {"name": "Parent", "slug": parent.slug, "parent": child.pk, "position": 0})
    assert response.status_code == 200
    assert "cannot be placed under itself" in response.content.decode()
    parent.refresh_from_db()
    assert parent.parent is None


def test_price_is_edited_in_the_list_and_stock_only_per_size(staff_client):
    product = ProductFactory(stock=10)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": product.pk,
        "form-0-price": "24.50",
        "form-0-stock": "3",
        "form-0-is_active": "on",
        "_save": "Save",
    }
    response = staff_client.post(reverse("admin:shop_product_changelist"), data)
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.stock == 10 and str(product.price) == "24.50", "the total is the sizes' sum, not typed in"


def test_unpublishing_a_review_hides_it_from_the_product_page(staff_client, client):
    review = ReviewFactory(body="Rude words that moderation removes")
    staff_client.post(
        reverse("admin:reviews_review_changelist"), {"action": "unpublish", "_selected_action": [review.pk]}
    )
    assert not Review.objects.get(pk=review.pk).is_published
    assert "Rude words" not in client.get(review.product.get_absolute_url()).content.decode()


def test_interactions_cannot_be_edited_in_admin(staff_client):
    event = InteractionFactory(kind="view")
    response = staff_client.post(reverse("admin:shop_interaction_change", args=[event.pk]), {"kind": "purchase"})
    assert response.status_code == 403
    assert Interaction.objects.get(pk=event.pk).kind == "view"


def test_staff_can_queue_products_for_embedding(staff_client, django_capture_on_commit_callbacks):
    product = ProductFactory.build(category=CategoryFactory())
    Product.objects.bulk_create([product])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:shop_product_changelist"), {"action": "embed", "_selected_action": [product.pk]}, follow=True
        )
    assert "queued for embedding" in response.content.decode()
    product.refresh_from_db()
    assert product.text_embedding is not None
