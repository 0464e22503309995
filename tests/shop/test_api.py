import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from shop.models import CartLine, Category, Order
from tests.factories import CategoryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = {
    "email": "a@example.com",
    "full_name": "Api Buyer",
    "address_line1": "1 Road",
    "city": "Town",
    "postal_code": "12345",
    "country": "GB",
}


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def buyer(api):
    user = UserFactory(username="apibuyer")
    api.force_authenticate(user)
    return user


def test_products_list_filters_and_paginates(api):
    garden = CategoryFactory(name="Api Garden", slug="api-garden")
    hoses = CategoryFactory(name="Api Hoses", slug="api-hoses", parent=garden)
    ProductFactory(title="Green Hose", category=hoses, price=Decimal("15.00"), brand="Aquatestbrand")
    ProductFactory(title="Gold Hose", category=hoses, price=Decimal("150.00"), brand="Aquatestbrand", stock=0)
    ProductFactory(title="Not Garden", price=Decimal("15.00"), brand="Aquatestbrand")
    body = api.get("/api/products/", {"category": "api-garden", "max_price": "100"}).json()
    assert [item["title"] for item in body["results"]] == ["Green Hose"] and body["count"] == 1
    assert body["results"][0]["category"]["slug"] == "api-hoses" and body["results"][0]["price"] == "15.00"
    found = api.get("/api/products/", {"brand": "aquatestbrand", "in_stock": "true", "sort": "title"}).json()["results"]
    assert [product["title"] for product in found] == ["Green Hose", "Not Garden"]


@pytest.mark.parametrize(
    "params",
    [
        {"min_price": "-1"},
        {"max_price": "cheap"},
        {"category": "no-such"},
        {"sort": "'; drop"},
        {"min_price": "9", "max_price": "1"},
    ],
)
def test_bad_product_filters_are_a_400_with_the_reason(api, params):
    response = api.get("/api/products/", params)
    assert response.status_code == 400 and set(response.json()) & (set(params) | {"max_price"})


def test_product_and_category_detail(api):
    product = ProductFactory(title="Detail Me")
    assert api.get(f"/api/products/{product.pk}/").json()["title"] == "Detail Me"
    assert api.get("/api/products/999999/").status_code == 404
    assert api.get(f"/api/categories/{product.category.slug}/").json()["name"] == product.category.name
    categories = api.get("/api/categories/").json()
    assert categories["count"] == Category.objects.count()
    assert [category["path"] for category in categories["results"]] == sorted(
        category["path"] for category in categories["results"]
    )


def test_cart_add_change_remove_within_stock(api, buyer):
    product = ProductFactory(stock=4, price=Decimal("10.00"))
    response = api.post("/api/cart/lines/", {"product": product.pk, "quantity": 3}, format="json")
    assert response.status_code == 201 and response.json()["cart"]["total"] == "30.00"
    response = api.post("/api/cart/lines/", {"product": product.pk, "quantity": 3}, format="json")
    assert response.json()["clamped"] is True and "Only 4" in response.json()["message"]
    line_id = response.json()["cart"]["lines"][0]["id"]
    assert api.patch(f"/api/cart/lines/{line_id}/", {"quantity": 2}, format="json").json()["cart"]["item_count"] == 2
    assert api.delete(f"/api/cart/lines/{line_id}/").status_code == 204
    assert api.get("/api/cart/").json()["lines"] == []


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"product": 999999},
        {"product": "abc"},
        {"quantity": 2},
        {"product": "ID", "quantity": -1},
        {"product": "ID", "quantity": 10**12},
    ],
)
def test_bad_cart_input_is_a_400(api, buyer, payload):
    product = ProductFactory()
    body = {name: product.pk if value == "ID" else value for name, value in payload.items()}
    response = api.post("/api/cart/lines/", body, format="json")
    assert response.status_code == 400
    assert not CartLine.objects.exists()


def test_another_shoppers_cart_line_and_order_are_404(api, buyer):
    other = APIClient()
    other.force_authenticate(UserFactory(username="other"))
    product = ProductFactory(stock=5)
    line_id = other.post("/api/cart/lines/", {"product": product.pk}, format="json").json()["cart"]["lines"][0]["id"]
    assert api.patch(f"/api/cart/lines/{line_id}/", {"quantity": 3}, format="json").status_code == 404
    assert api.delete(f"/api/cart/lines/{line_id}/").status_code == 404
    signature = other.get("/api/cart/").json()["signature"]
    number = other.post(
        "/api/orders/", {**ADDRESS, "idempotency_key": str(uuid.uuid4()), "signature": signature}, format="json"
    ).json()["number"]
    assert api.get(f"/api/orders/{number}/").status_code == 404
    assert api.get("/api/orders/").json()["count"] == 0
    assert other.get(f"/api/orders/{number}/").status_code == 200


def test_checkout_through_the_api_is_idempotent_and_confirms_prices(api, buyer):
    product = ProductFactory(stock=5, price=Decimal("20.00"))
    api.post("/api/cart/lines/", {"product": product.pk, "quantity": 2}, format="json")
    signature = api.get("/api/cart/").json()["signature"]
    product.price = Decimal("25.00")
    product.save()
    key = str(uuid.uuid4())
    response = api.post("/api/orders/", {**ADDRESS, "idempotency_key": key, "signature": signature}, format="json")
    assert response.status_code == 409 and "now $25.00, was $20.00" in response.json()["problems"][0]
    signature = api.get("/api/cart/").json()["signature"]
    first = api.post("/api/orders/", {**ADDRESS, "idempotency_key": key, "signature": signature}, format="json")
    again = api.post("/api/orders/", {**ADDRESS, "idempotency_key": key, "signature": signature}, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"] and first.json()["total"] == "50.00"
    assert Order.objects.count() == 1


def test_checkout_needs_an_account_and_valid_fields(api):
    assert api.post("/api/orders/", ADDRESS, format="json").status_code in (401, 403)
    api.force_authenticate(UserFactory())
    response = api.post("/api/orders/", {"email": "x"}, format="json")
    assert response.status_code == 400 and {"email", "full_name", "idempotency_key", "signature"} <= set(
        response.json()
    )
    response = api.post(
        "/api/orders/", {**ADDRESS, "idempotency_key": str(uuid.uuid4()), "signature": "x"}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"cart": ["Your cart is empty."]}


def test_token_authentication(api):
    UserFactory(username="tokenuser")
    assert (
        api.post("/api/auth/token/", {"username": "tokenuser", "password": "wrong"}, format="json").status_code == 400
    )
    token = api.post(
        "/api/auth/token/", {"username": "tokenuser", "password": "a-good-password-1"}, format="json"
    ).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/orders/").status_code == 200
    product = ProductFactory()
    assert client.post("/api/cart/lines/", {"product": product.pk}, format="json").status_code == 201


def test_session_writes_without_csrf_are_refused():
    client = APIClient(enforce_csrf_checks=True)
    product = ProductFactory()
    client.get("/api/cart/")
    assert client.post("/api/cart/lines/", {"product": product.pk}, format="json").status_code == 403
    client.force_login(UserFactory())
    assert client.post("/api/cart/lines/", {"product": product.pk}, format="json").status_code == 403
    assert not CartLine.objects.exists()


def test_an_anonymous_session_has_its_own_cart(api):
    product = ProductFactory()
    assert api.post("/api/cart/lines/", {"product": product.pk}, format="json").status_code == 201
    assert api.get("/api/cart/").json()["item_count"] == 1
    assert APIClient().get("/api/cart/").json()["item_count"] == 0


def test_the_api_serves_its_openapi_schema_and_docs(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {
        "/api/products/",
        "/api/categories/",
        "/api/cart/",
        "/api/cart/lines/",
        "/api/orders/",
        "/api/orders/{number}/",
    } <= set(paths)
    assert {
        "/api/recommendations/",
        "/api/products/{id}/similar/",
        "/api/products/{product_id}/reviews/",
        "/api/search/",
    } <= set(paths)
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if not any(
            "content" in response
            for code, response in operation["responses"].items()
            if code.startswith("2") and code != "204"
        )
        and "204" not in operation["responses"]
    ]
    assert not undocumented, "every endpoint documents what it returns"
    search = paths["/api/search/"]["get"]
    assert {"q", "category", "min_price", "sort", "page"} <= {parameter["name"] for parameter in search["parameters"]}
    docs = api.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


def test_anonymous_api_use_is_throttled(api, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "anon": "3/minute"}}
    codes = [api.get("/api/categories/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
