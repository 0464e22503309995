"""Discovery, the "pick up" row, impressions and their attribution, A/B tests, and the shopper simulation."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from recommender.experiments import (
    ExperimentRefused,
    experiment_arm_assign,
    experiment_figures,
    experiment_promote,
    experiment_start,
    visitor_arm_get,
)
from recommender.features import user_features_load
from recommender.models import Experiment, Impression, ModelVersion, TrainingRun
from recommender.registry import live_model_get
from recommender.selectors import recently_engaged_products, user_recommendations
from recommender.simulation import shoppers_simulate
from shop.demo.seed import DEMO_USERNAME
from shop.models import Interaction, Product
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def _demo_shopper():
    return get_user_model().objects.get(username=DEMO_USERNAME)


def test_recommended_for_you_holds_at_most_the_allowance_of_products_the_shopper_already_saw(
    trained_recommender, settings
):
    shopper = _demo_shopper()
    live = live_model_get()
    seen = set(user_features_load(user_id=shopper.pk, at=timezone.now(), vocabulary=live.vocabulary).history)
    assert seen, "the demo shopper has a history"
    for allowance in (0, 2):
        settings.RECOMMENDER = {**settings.RECOMMENDER, "SEEN_ALLOWANCE": allowance}
        picks = user_recommendations(user_id=shopper.pk, k=12)
        assert picks.source == "model" and len(picks.items) == 12
        assert len({item.product.pk for item in picks.items} & seen) <= allowance


def test_pick_up_where_you_left_off_lists_recent_views_and_carts_newest_first_in_stock_not_bought():
    shopper = UserFactory()
    viewed, carted, sold_out, bought = (ProductFactory() for _ in range(4))
    now = timezone.now()
    for minutes, product, kind in (
        (50, viewed, Interaction.Kind.VIEW),
        (40, carted, Interaction.Kind.CART),
        (30, sold_out, Interaction.Kind.VIEW),
        (20, bought, Interaction.Kind.VIEW),
        (10, bought, Interaction.Kind.PURCHASE),
    ):
        Interaction.objects.create(
            user=shopper, product=product, kind=kind, created_at=now - timezone.timedelta(minutes=minutes)
        )
    Product.objects.filter(pk=sold_out.pk).update(stock=0)
    assert recently_engaged_products(user_id=shopper.pk, k=12) == [carted, viewed]


def test_home_page_shows_both_rows_logs_impressions_and_attributes_click_and_cart(trained_recommender, client):
    shopper = _demo_shopper()
    client.force_login(shopper)
    Interaction.objects.create(user=shopper, product=ProductFactory(title="Lantern I looked at"), kind="view")
    page = client.get(reverse("shop:home"))
    assert b"Recommended for you" in page.content and b"Pick up where you left off" in page.content
    assert b"Lantern I looked at" in page.content
    shown = list(Impression.objects.filter(user=shopper, surface=Impression.Surface.HOME).order_by("slot"))
    assert [i.slot for i in shown] == list(range(12))
    assert all(i.version_id == trained_recommender.pk and i.source == "model" for i in shown)

    tile = shown[3]
    link = f"{tile.product.get_absolute_url()}?ri={tile.pk}"
    assert link.encode() in page.content
    other = UserFactory()
    client.force_login(other)
    client.get(link)
    tile.refresh_from_db()
    assert tile.clicked_at is None, "another visitor's click is not this shopper's"

    client.force_login(shopper)
    client.get(link)
    client.post(reverse("shop:cart-add", args=[tile.product.pk]), {"quantity": 1})
    tile.refresh_from_db()
    assert tile.clicked_at is not None and tile.carted_at is not None
    assert Impression.objects.filter(user=shopper, clicked_at__isnull=False).count() == 1


def _second_version(*, like: ModelVersion) -> ModelVersion:
    run = TrainingRun.objects.create(status=TrainingRun.Status.SUCCEEDED, in_progress=None)
    return ModelVersion.objects.create(
        run=run,
        artifact=like.artifact,
        artifact_sha256=like.artifact_sha256,
        feature_schema_hash=like.feature_schema_hash,
        metrics=like.metrics,
        data_end=like.data_end,
    )


def test_an_ab_test_splits_shoppers_stably_serves_each_arm_its_version_reports_and_promotes(trained_recommender):
    candidate = _second_version(like=trained_recommender)
    with pytest.raises(ExperimentRefused):
        experiment_start(candidate=trained_recommender)
    experiment = experiment_start(candidate=candidate, candidate_share=0.5)
    with pytest.raises(ExperimentRefused):
        experiment_start(candidate=candidate)

    shoppers = list(get_user_model().objects.filter(username__startswith="shopper")[:200])
    arms = {s.pk: experiment_arm_assign(experiment=experiment, user_id=s.pk) for s in shoppers}
    assert arms == {s.pk: experiment_arm_assign(experiment=experiment, user_id=s.pk) for s in shoppers}
    assert 60 < sum(arm == Experiment.Arm.CANDIDATE for arm in arms.values()) < 140

    in_candidate = next(s for s in shoppers if arms[s.pk] == Experiment.Arm.CANDIDATE)
    arm = visitor_arm_get(user_id=in_candidate.pk)
    assert arm.version_id == candidate.pk
    assert user_recommendations(user_id=in_candidate.pk, k=6, version_id=arm.version_id).version_id == candidate.pk

    Impression.objects.bulk_create(
        Impression(
            surface="home",
            slot=slot,
            product=ProductFactory(),
            user=in_candidate,
            source="model",
            experiment=experiment,
            arm=Experiment.Arm.CANDIDATE,
            clicked_at=timezone.now() if slot < 3 else None,
        )
        for slot in range(10)
    )
    figures = {arm.arm: arm for arm in experiment_figures(experiment=experiment)}
    assert figures["candidate"].impressions == 10 and figures["candidate"].click_through.value == pytest.approx(0.3)
    low, high = figures["candidate"].click_through.interval
    assert low < 0.3 < high and high - low > 0.3, "ten impressions give a wide interval"
    assert figures["control"].click_through.value is None

    experiment_promote(experiment=experiment)
    candidate.refresh_from_db()
    experiment.refresh_from_db()
    assert candidate.is_live and not experiment.is_running


def test_a_model_trained_on_the_demo_beats_trending_for_simulated_shoppers(trained_recommender):
    outcomes = shoppers_simulate(days=2, shoppers_per_day=120)
    model, trending = outcomes["model"], outcomes["trending"]
    assert model.impressions > 500 and trending.impressions > 500
    assert model.rate(model.clicks) > 1.3 * trending.rate(trending.clicks)
    assert model.rate(model.carts) > trending.rate(trending.carts)


def test_simulate_shoppers_prints_rates_per_arm(trained_recommender):
    out = StringIO()
    call_command("simulate_shoppers", "--days", "1", "--shoppers", "20", stdout=out)
    text = out.getvalue()
    assert "model" in text and "trending" in text and "%" in text
