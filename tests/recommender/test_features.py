from datetime import UTC, datetime, timedelta

import pytest

from recommender.features import (
    FEATURE_SCHEMA_HASH,
    HISTORY_LENGTH,
    Event,
    FeatureSchemaMismatch,
    ItemRow,
    Vocabulary,
    item_features,
    schema_check,
    user_features,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)
ITEMS = [
    ItemRow(1, 10, 100, "Voltaro", 19.99, "red", "plastic", "adult", [0.1] * 384),
    ItemRow(2, 11, 100, "Nexon", 650.0, "black", "metal", "adult", None),
]


def test_user_features_read_only_the_past_and_decay_with_time():
    vocabulary = Vocabulary.build(items=ITEMS)
    events = [
        Event(1, "view", NOW - timedelta(days=14)),
        Event(2, "purchase", NOW - timedelta(hours=1)),
        Event(1, "cart", NOW + timedelta(hours=1)),
    ]
    features = user_features(
        events=events, at=NOW, preferred_category_ids=[11, 999], onboarding_completed=True, vocabulary=vocabulary
    )
    assert features.history == [2, 1], "newest first, nothing from the future"
    assert features.weights[1] == pytest.approx(0.5 * 0.5), "a view, one half-life old"
    assert features.weights[0] > 2.9
    assert features.preferred_categories == [vocabulary.index(feature="category", value=11)], (
        "unknown categories dropped"
    )
    assert features.onboarding_completed == 1.0


def test_training_leaves_the_predicted_products_own_events_out():
    vocabulary = Vocabulary.build(items=ITEMS)
    events = [Event(1, "view", NOW - timedelta(minutes=5)), Event(2, "view", NOW - timedelta(days=1))]
    features = user_features(
        events=events,
        at=NOW,
        preferred_category_ids=[],
        onboarding_completed=False,
        vocabulary=vocabulary,
        target_product_id=1,
    )
    assert features.history == [2]


def test_history_is_bounded():
    vocabulary = Vocabulary.build(items=ITEMS)
    events = [Event(1, "view", NOW - timedelta(minutes=i + 1)) for i in range(HISTORY_LENGTH + 20)]
    features = user_features(
        events=events, at=NOW, preferred_category_ids=[], onboarding_completed=False, vocabulary=vocabulary
    )
    assert len(features.history) == HISTORY_LENGTH


def test_item_features_know_unseen_values_and_missing_vectors():
    vocabulary = Vocabulary.build(items=ITEMS[:1])
    features = item_features(items=ITEMS, vocabulary=vocabulary, popularity={1: 40})
    assert features.categorical[1].tolist() == [0, 1, 0, 0, 0, 1], (
        "unseen values are 0; its department and age group were seen"
    )
    assert features.has_text.tolist() == [1.0, 0.0]
    assert features.price[1] > features.price[0] and features.popularity[0] > features.popularity[1]


def test_an_artifact_of_another_schema_is_refused():
    schema_check(artifact_hash=FEATURE_SCHEMA_HASH)
    with pytest.raises(FeatureSchemaMismatch, match="retrain"):
        schema_check(artifact_hash="0" * 16)
