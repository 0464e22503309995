"""Staff read a run's and a version's held-out figures as a table, never as the raw metrics JSON."""

import pytest
from django.urls import reverse
from django.utils import timezone

from recommender.features import FEATURE_SCHEMA_HASH
from recommender.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db

METRICS = {
    "two-tower": {"ndcg@10": 0.31234, "precision@10": 0.1, "recall@10": 0.42, "map@10": 0.2},
    "popularity": {"ndcg@10": 0.12, "precision@10": 0.05, "recall@10": 0.2, "map@10": 0.08},
    "live": {"ndcg@10": 0.29, "precision@10": 0.09, "recall@10": 0.4, "map@10": 0.19, "version": 41},
}


@pytest.fixture
def version():
    now = timezone.now()
    run = TrainingRun.objects.create(status="succeeded", in_progress=None, finished_at=now, metrics=METRICS)
    return ModelVersion.objects.create(
        run=run, artifact="runs/x/model.pt", feature_schema_hash=FEATURE_SCHEMA_HASH, data_end=now, metrics=METRICS
    )


def _table_rows(page: str) -> list[str]:
    body = page.split('<table class="metrics-table">', 1)[1].split("</table>", 1)[0]
    return [" ".join(row.split()) for row in body.split("<tr>")[2:]]


@pytest.mark.parametrize("page_name", ["version", "run"])
def test_metrics_are_a_table_with_the_models_in_order(admin_client, version, page_name):
    url = (
        reverse("admin:recommender_modelversion_change", args=[version.pk])
        if page_name == "version"
        else reverse("admin:recommender_trainingrun_change", args=[version.run_id])
    )
    page = admin_client.get(url).content.decode()
    assert '"ndcg@10"' not in page and "&quot;ndcg@10&quot;" not in page, "no raw JSON"
    rows = _table_rows(page)
    assert len(rows) == 3
    assert "this run's two-tower" in rows[0] and "0.3123" in rows[0] and "0.4200" in rows[0]
    assert "live model (v41)" in rows[1] and "0.2900" in rows[1]
    assert "popularity" in rows[2] and "0.1200" in rows[2]


def test_a_version_without_figures_says_so(admin_client, version):
    ModelVersion.objects.filter(pk=version.pk).update(metrics={})
    page = admin_client.get(reverse("admin:recommender_modelversion_change", args=[version.pk])).content.decode()
    assert "No held-out figures yet." in page
