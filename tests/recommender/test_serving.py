import json
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from recommender.dataset import demo_evaluation_set
from recommender.features import user_features_load
from recommender.models import ItemVector
from recommender.selectors import product_also_bought, product_similar, user_recommendations
from shop.demo.seed import DEMO_USERNAME
from shop.models import Category, CustomerProfile, Interaction, Product
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_training_and_serving_compute_the_same_features_for_a_user_at_a_time(demo_catalog):
    dataset = demo_evaluation_set()
    assert len(dataset.user_ids) > 100
    for index in range(0, len(dataset.user_ids), max(len(dataset.user_ids) // 25, 1)):
        served = user_features_load(user_id=dataset.user_ids[index], at=dataset.split, vocabulary=dataset.vocabulary)
        history_rows = [row for row in dataset.user_history[index].tolist() if row >= 0]
        assert served.history == [dataset.items[row].product_id for row in history_rows]
        assert served.weights == pytest.approx(dataset.user_weights[index][: len(history_rows)].tolist(), rel=1e-5)
        assert served.preferred_categories == [i for i in dataset.user_preferred[index].tolist() if i]
        assert served.onboarding_completed == dataset.user_profile[index]


def _shopper():
    return get_user_model().objects.get(username=DEMO_USERNAME)


def test_recommendations_come_from_the_model_without_bought_unavailable_or_inactive_items(trained_recommender):
    shopper = _shopper()
    first = user_recommendations(user_id=shopper.pk, k=12)
    assert first.source == "model" and first.version_id == trained_recommender.pk and len(first.items) == 12
    scores = [item.score for item in first.items]
    assert max(scores) <= 1.0001 and min(scores) >= -1.0001

    sold_out, hidden, bought = (item.product for item in first.items[:3])
    Product.objects.filter(pk=sold_out.pk).update(stock=0)
    Product.objects.filter(pk=hidden.pk).update(is_active=False)
    Interaction.objects.create(user=shopper, product=bought, kind=Interaction.Kind.PURCHASE)
    again = {item.product.pk for item in user_recommendations(user_id=shopper.pk, k=12).items}
    assert not again & {sold_out.pk, hidden.pk, bought.pk}


def test_what_a_shopper_just_did_changes_the_next_recommendations(trained_recommender):
    shopper = _shopper()
    before = user_recommendations(user_id=shopper.pk, k=12)
    present = {item.product.category.path.split("/")[0] for item in before.items}
    department = next(
        root for root in Category.objects.filter(parent__isnull=True).order_by("path") if root.slug not in present
    )
    picks = list(
        Product.objects.filter(category__path__startswith=department.path + "/", is_active=True, stock__gt=0)[:4]
    )
    for product in picks:
        Interaction.objects.create(user=shopper, product=product, kind=Interaction.Kind.VIEW)
        Interaction.objects.create(user=shopper, product=product, kind=Interaction.Kind.CART)
    after = user_recommendations(user_id=shopper.pk, k=12)
    in_department = [item for item in after.items if item.product.category.path.startswith(department.path + "/")]
    assert len(in_department) >= 3, "a few carts in a new department bring it onto the next page"
    assert any(item.reason.startswith("Because you") for item in in_department)


def test_the_history_is_read_from_stored_item_vectors_equal_to_the_tower_and_new_products_go_through_it(
    trained_recommender,
):
    from recommender.features import item_rows_load
    from recommender.model import item_table
    from recommender.registry import live_model_get
    from recommender.selectors import _history_vectors

    live = live_model_get()
    stored = list(
        ItemVector.objects.filter(version=trained_recommender)
        .order_by("product_id")
        .values_list("product_id", flat=True)[:5]
    )
    added = ProductFactory()
    vectors, titles = _history_vectors(live=live, product_ids=stored + [added.pk])
    rows = item_rows_load(product_ids=stored + [added.pk])
    fresh = item_table(model=live.model, items=live.item_tensors(items=rows)).numpy()
    for index, row in enumerate(rows):
        assert vectors[row.product_id] == pytest.approx(fresh[index], abs=1e-5)
    assert titles[added.pk] == added.title


def test_recommendations_spread_over_categories(trained_recommender):
    result = user_recommendations(user_id=_shopper().pk, k=12)
    per_category = Counter(item.product.category_id for item in result.items)
    assert max(per_category.values()) <= 3


def test_visitors_and_new_shoppers_get_trending_items_with_the_reason(trained_recommender, client):
    visitor = user_recommendations(user_id=None, k=8)
    assert visitor.source == "trending" and len(visitor.items) == 8 and "Sign in" in visitor.note
    newcomer = UserFactory()
    fresh = user_recommendations(user_id=newcomer.pk, k=8)
    assert fresh.source == "trending" and "pick favourite categories" in fresh.note
    page = client.get("/").content.decode()
    assert "Trending now" in page and "Recommended for you" not in page


def test_the_home_page_recommends_to_a_signed_in_shopper(trained_recommender, client):
    client.login(username=DEMO_USERNAME, password="demo-shopper")
    page = client.get("/").content.decode()
    assert "Recommended for you" in page and 'id="recommended"' in page
    expected = user_recommendations(user_id=_shopper().pk, k=12).items[0].product
    assert escape(expected.title) in page, "titles are HTML-escaped on the page"


def test_similar_items_and_co_purchases_on_the_product_page_and_api(trained_recommender, client):
    product = Product.objects.filter(is_active=True, interactions__kind="purchase").distinct().order_by("pk").first()
    similar = product_similar(product=product, k=6)
    assert similar.source == "model" and len(similar.products) == 6 and product not in similar.products
    same_department = sum(
        p.category.path.split("/")[0] == product.category.path.split("/")[0] for p in similar.products
    )
    assert same_department >= 4, "the item tower places products of a department together"
    also = product_also_bought(product=product, k=6)
    buyers = set(Interaction.objects.filter(product=product, kind="purchase").values_list("user_id", flat=True))
    for other in also:
        assert Interaction.objects.filter(product=other, kind="purchase", user_id__in=buyers).exists()

    page = client.get(product.get_absolute_url()).content.decode()
    assert "Similar items" in page and escape(similar.products[0].title) in page
    if also:
        assert "Customers also bought" in page

    body = client.get(f"/api/products/{product.pk}/similar/?k=4").json()
    assert body["source"] == "model" and len(body["results"]) == 4
    assert client.get("/api/products/999999999/similar/").status_code == 404
    assert client.get(f"/api/products/{product.pk}/similar/?k=0").status_code == 400
    assert client.get(f"/api/products/{product.pk}/similar/?k=lots").status_code == 400


def test_a_product_without_an_item_vector_gets_similar_items_by_description(trained_recommender):
    product = ProductFactory()
    assert not ItemVector.objects.filter(product=product).exists()
    product.text_embedding = Product.objects.exclude(text_embedding=None).first().text_embedding
    product.save()
    similar = product_similar(product=product, k=4)
    assert similar.source == "text" and len(similar.products) == 4


def test_the_recommendations_api(trained_recommender, client):
    anonymous = client.get("/api/recommendations/").json()
    assert anonymous["source"] == "trending" and anonymous["note"]
    client.login(username=DEMO_USERNAME, password="demo-shopper")
    body = client.get("/api/recommendations/?k=5").json()
    assert body["source"] == "model" and body["model_version"] == trained_recommender.pk and len(body["results"]) == 5
    assert {"product", "score", "reason"} <= set(body["results"][0])
    assert client.get("/api/recommendations/?k=500").status_code == 400


def test_the_recommend_command(trained_recommender):
    out = StringIO()
    call_command("recommend", "--user", DEMO_USERNAME, "--k", "5", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["source"] == "model" and len(report["items"]) == 5
    assert report["items"][0]["score"] >= report["items"][-1]["score"]
    text = StringIO()
    call_command("recommend", "--user", DEMO_USERNAME, stdout=text)
    assert f"Recommendations for {DEMO_USERNAME} from model v{trained_recommender.pk}" in text.getvalue()
    with pytest.raises(CommandError, match="No user named"):
        call_command("recommend", "--user", "nobody-here", stdout=StringIO())
    with pytest.raises(CommandError, match="--k must be"):
        call_command("recommend", "--user", DEMO_USERNAME, "--k", "0", stdout=StringIO())


def test_without_a_live_model_everyone_gets_trending_items(demo_catalog, client):
    from recommender.models import ModelVersion

    ModelVersion.objects.update(is_live=None)
    result = user_recommendations(user_id=_shopper().pk, k=6)
    assert result.source == "trending" and "once the recommender has been trained" in result.note
    client.login(username=DEMO_USERNAME, password="demo-shopper")
    assert "Trending now" in client.get("/").content.decode()


def test_onboarding_choices_shape_recommendations_at_once(trained_recommender, client):
    shopper = UserFactory()
    client.login(username=shopper.username, password="a-good-password-1")
    leafs = list(Category.objects.filter(children__isnull=True, path__startswith="garden").order_by("pk")[:3]) or list(
        Category.objects.filter(children__isnull=True).order_by("pk")[:3]
    )
    response = client.post(reverse("onboarding"), {"categories": [c.pk for c in leafs]})
    assert response.status_code == 302 and response["Location"] == reverse("onboarding-round", args=[1])
    assert set(CustomerProfile.objects.get(user=shopper).preferred_categories.all()) == set(leafs)

    round_one = client.get(reverse("onboarding-round", args=[1]))
    shown = round_one.context["products"]
    assert len(shown) == 8 and all(p.category in leafs for p in shown)
    client.post(reverse("onboarding-round", args=[1]), {"liked": [shown[0].pk, shown[1].pk], "next": "1"})
    assert Interaction.objects.filter(user=shopper, kind="rating", value=5).count() == 2

    round_two = client.get(reverse("onboarding-round", args=[2])).context["products"]
    assert not {p.pk for p in round_two} & {p.pk for p in shown}, "a new round shows new products"
    response = client.post(reverse("onboarding-round", args=[2]), {"liked": [round_two[0].pk], "finish": "1"})
    assert response["Location"] == reverse("shop:home")
    assert CustomerProfile.objects.get(user=shopper).onboarding_completed

    picks = user_recommendations(user_id=shopper.pk, k=12)
    assert picks.source == "model"
    departments = {leaf.path.split("/")[0] for leaf in leafs}
    assert sum(item.product.category.path.split("/")[0] in departments for item in picks.items) >= 6


def test_onboarding_rejects_bad_input_with_clear_messages(trained_recommender, client):
    assert client.get(reverse("onboarding")).status_code == 302, "signed-out visitors are sent to log in"
    shopper = UserFactory()
    client.login(username=shopper.username, password="a-good-password-1")
    assert "Pick at least one category" in client.post(reverse("onboarding"), {}).content.decode()
    too_many = list(Category.objects.filter(children__isnull=True).values_list("pk", flat=True)[:9])
    assert "Pick at most 8 categories" in client.post(reverse("onboarding"), {"categories": too_many}).content.decode()
    assert "That is not a category" in client.post(reverse("onboarding"), {"categories": ["x"]}).content.decode()
    assert "no longer exists" in client.post(reverse("onboarding"), {"categories": [99999999]}).content.decode()
    client.post(reverse("onboarding"), {"categories": too_many[:2]})
    client.get(reverse("onboarding-round", args=[1]))
    other = Product.objects.exclude(pk__in=client.session["onboarding_shown"]).first()
    page = client.post(reverse("onboarding-round", args=[1]), {"liked": [other.pk]}).content.decode()
    assert "Only the products shown in this round can be liked" in page
    assert not Interaction.objects.filter(user=shopper).exists()
    assert client.get(reverse("onboarding-round", args=[4])).status_code == 404
