"""Staff at a 1280 px screen: every admin list fits, and the admin pages staff use pass axe-core.

Each registered model's list is opened as a superuser with rows whose names are as long as the
catalog's longest; the results table must fit its box (no horizontal scrolling) and the page the
window. Django's navigation sidebar stays open, as it is by default.
"""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from recommender.features import FEATURE_SCHEMA_HASH
from recommender.models import Experiment, ModelVersion, TrainingRun
from search.models import ImageEncoderRun, ImageEncoderVersion
from shop.models import CustomerProfile
from tests.factories import (
    CategoryFactory,
    InteractionFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ReviewFactory,
    ReviewSummaryFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_TITLE = "Merino Wool Blend Quarter-Zip Performance Running Pullover with Thumbholes and Reflective Trim"
METRICS = {
    "two-tower": {"ndcg@10": 0.3123, "precision@10": 0.1, "recall@10": 0.42, "map@10": 0.2},
    "popularity": {"ndcg@10": 0.12, "precision@10": 0.05, "recall@10": 0.2, "map@10": 0.08},
}
ASPECTS = [
    {
        "name": "warmth",
        "sentiment": "positive",
        "share": 0.4,
        "mentions": 8,
        "mean_rating": 4.5,
        "quote": "Warm without being bulky.",
        "review_ids": [],
    },
    {
        "name": "sizing",
        "sentiment": "mixed",
        "share": 0.25,
        "mentions": 5,
        "mean_rating": 3.2,
        "quote": "Runs a size small.",
        "review_ids": [],
    },
]
OVERFLOW = """() => {
    const table = document.querySelector('#result_list');
    const box = table ? table.closest('.results') || table.parentElement : null;
    return {
        page: document.documentElement.scrollWidth - window.innerWidth,
        table: box ? box.scrollWidth - box.clientWidth : 0,
        right: table ? Math.round(table.getBoundingClientRect().right) : 0,
        rows: table ? table.tBodies[0].rows.length : 0,
    };
}"""


@pytest.fixture
def staff_world():
    """Rows for every list, with names as long as real ones; ids of the pages the axe test opens."""
    category = CategoryFactory(name="Running & Training Tops for Cold Weather", slug="running-training-tops")
    product = ProductFactory(title=LONG_TITLE, category=category, brand="Northwind Outdoor Performance Co.")
    ProductFactory(title="Kettle", category=category, stock=0, is_active=False)
    shopper = UserFactory(username="maximilian.featherstonehaugh.longname", first_name="Maximilian")
    CustomerProfile.objects.get_or_create(user=shopper)
    InteractionFactory(user=shopper, product=product)
    order = OrderFactory(user=shopper, full_name="Maximilian Featherstonehaugh-Wolfeschlegelsteinhausen")
    OrderLineFactory(order=order, product=product, quantity=2, unit_price=Decimal("89.00"))
    ReviewFactory(product=product, author=shopper, title="Warm, light and the thumbholes are a nice touch for runs")
    summary = ReviewSummaryFactory(product=product, aspects=ASPECTS, is_stale=True, review_count=20)
    Group.objects.create(name="Customer service")
    Token.objects.create(user=shopper)
    now = timezone.now()
    run = TrainingRun.objects.create(
        status="failed",
        in_progress=None,
        finished_at=now,
        metrics=METRICS,
        error="WorkerLostError: the worker running the train stage exited unexpectedly (signal 9, SIGKILL)",
    )
    version = ModelVersion.objects.create(
        run=run, artifact="runs/1/model.pt", feature_schema_hash=FEATURE_SCHEMA_HASH, data_end=now, metrics=METRICS
    )
    candidate = ModelVersion.objects.create(
        run=TrainingRun.objects.create(status="succeeded", in_progress=None, finished_at=now),
        artifact="runs/2/model.pt",
        feature_schema_hash=FEATURE_SCHEMA_HASH,
        data_end=now,
        metrics=METRICS,
    )
    Experiment.objects.create(
        name="A much longer experiment name than a list column would show in full", control=version, candidate=candidate
    )
    image_run = ImageEncoderRun.objects.create(status="succeeded", in_progress=None, finished_at=now, metrics={})
    ImageEncoderVersion.objects.create(
        run=image_run,
        name="resnet18-96px-trained-on-the-demo-catalog-with-a-long-name",
        artifact="image-encoder-runs/1/tower.pt",
        artifact_sha256="0" * 64,
        text_encoder="sentence-transformers/all-MiniLM-L6-v2",
    )
    return {"product": product, "order": order, "run": run, "version": version, "summary": summary}


def _log_in(page, live_server) -> None:
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "a-good-password-1")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_every_admin_list_fits_a_1280_px_screen(live_server, page, screenshots, staff_world):
    _log_in(page, live_server)
    overflowing = {}
    for model in admin.site._registry:
        name = f"{model._meta.app_label}_{model._meta.model_name}"
        page.goto(live_server.url + reverse(f"admin:{name}_changelist"))
        figures = page.evaluate(OVERFLOW)
        page.screenshot(path=screenshots / f"admin-list-{name}.png", full_page=False)
        assert figures["rows"] >= 1, f"{name}: the test's own rows are listed"
        if figures["page"] > 0 or figures["table"] > 0:
            overflowing[name] = figures
    assert overflowing == {}, "lists wider than a 1280 px screen (px past the edge)"


IMPACTS = ("serious", "critical")


def _axe_findings(page, axe) -> list[str]:
    """Serious and critical violations on the page, one line per element."""
    return [
        f"{violation['id']} ({violation['impact']}): {node['html'][:120]}"
        for violation in axe.run(page).response["violations"]
        if violation["impact"] in IMPACTS
        for node in violation["nodes"]
    ]


def test_the_admin_pages_staff_use_pass_axe(live_server, page, screenshots, staff_world):
    """Django admin's own markup included: its breadcrumbs are underlined (static/css/admin.css) and the
    product list's editable cells named (shop.admin.ProductListForm)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    _log_in(page, live_server)
    world = staff_world
    pages = {
        "index": reverse("admin:index"),
        "products": reverse("admin:shop_product_changelist"),
        "product": reverse("admin:shop_product_change", args=[world["product"].pk]),
        "order": reverse("admin:shop_order_change", args=[world["order"].pk]),
        "run": reverse("admin:recommender_trainingrun_change", args=[world["run"].pk]),
        "version": reverse("admin:recommender_modelversion_change", args=[world["version"].pk]),
        "summary": reverse("admin:reviews_reviewsummary_change", args=[world["summary"].pk]),
    }
    findings = {}
    for name, url in pages.items():
        page.goto(live_server.url + url)
        page.screenshot(path=screenshots / f"admin-page-{name}.png", full_page=True)
        findings[name] = _axe_findings(page, axe)
    assert {name: found for name, found in findings.items() if found} == {}
