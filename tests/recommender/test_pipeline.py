from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.urls import reverse

from ml.artifacts import artifact_delete, artifact_load, artifact_save
from recommender import registry
from recommender.models import ItemVector, ModelVersion, TrainingRun
from recommender.pipeline import TrainingInProgress, training_run_start, training_stage_run
from recommender.services import model_version_activate, model_version_rollback
from shop.models import Product

pytestmark = pytest.mark.django_db


def test_a_run_goes_through_every_stage_and_publishes_a_model_that_beats_the_baselines(trained_recommender):
    run = trained_recommender.run
    assert run.status == TrainingRun.Status.SUCCEEDED and run.in_progress is None
    assert [
        run.stages[stage]["status"] for stage in ("snapshot", "train", "evaluate", "register", "embed", "publish")
    ] == ["succeeded"] * 6
    assert all(run.stages[stage]["seconds"] >= 0 for stage in run.stages)
    assert run.losses[-1] < run.losses[0], "training lowers the loss, epoch by epoch"
    assert "epoch 1/" in run.log and "Published" in run.log
    ndcg = {name: row["ndcg@10"] for name, row in run.metrics.items()}
    assert ndcg["two-tower"] > 3 * ndcg["popularity"]
    assert ndcg["two-tower"] > ndcg["als (implicit)"], "the two-tower model beats matrix factorisation on held-out days"
    assert run.data_start < run.data_end
    assert trained_recommender.is_live and trained_recommender.metrics == run.metrics
    assert (
        ItemVector.objects.filter(version=trained_recommender).count() == Product.objects.filter(is_active=True).count()
    )


def test_one_run_at_a_time(trained_recommender, admin_client):
    TrainingRun.objects.create(status=TrainingRun.Status.RUNNING)
    with pytest.raises(TrainingInProgress, match="One training run at a time"):
        training_run_start(trigger=TrainingRun.Trigger.COMMAND)
    with pytest.raises(CommandError, match="One training run at a time"):
        call_command("train_recommender", stdout=StringIO())
    response = admin_client.post(reverse("admin:recommender_trainingrun_train"), follow=True)
    assert "One training run at a time" in response.content.decode()
    assert TrainingRun.objects.filter(in_progress=True).count() == 1

    hung = TrainingRun.objects.get(in_progress=True)
    admin_client.post(
        reverse("admin:recommender_trainingrun_changelist"), {"action": "abandon", "_selected_action": [hung.pk]}
    )
    hung.refresh_from_db()
    assert hung.status == TrainingRun.Status.FAILED and "Stopped by staff" in hung.error
    assert training_run_start(trigger=TrainingRun.Trigger.COMMAND, enqueue=False).in_progress


def test_a_failed_stage_ends_the_run_with_its_error_and_the_live_model_keeps_serving(trained_recommender):
    run = TrainingRun.objects.create()
    assert training_stage_run(run_id=run.pk, stage="snapshot") == "train"
    artifact_delete(name=f"runs/{run.pk}/snapshot.pt")
    assert training_stage_run(run_id=run.pk, stage="train") is None
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED and run.in_progress is None
    assert run.stages["train"]["status"] == "failed"
    assert run.error.startswith("Train failed:") and "not in the artifact storage" in run.error
    assert ModelVersion.objects.get(is_live=True) == trained_recommender
    assert training_stage_run(run_id=run.pk, stage="evaluate") is None, "an ended run runs no more stages"


def _barely_trained(settings) -> None:
    """One epoch at a learning rate too small to learn: a model certainly worse than the live one."""
    demo = {**settings.RECOMMENDER_TRAINING["demo"], "epochs": 1, "learning_rate": 1e-7}
    settings.RECOMMENDER_TRAINING = {**settings.RECOMMENDER_TRAINING, "demo": demo}


def test_a_worse_model_is_not_published_unless_forced_and_staff_can_roll_back(trained_recommender, settings):
    _barely_trained(settings)
    out = StringIO()
    call_command("train_recommender", "--wait", stdout=out)
    weak = ModelVersion.objects.order_by("-pk").first()
    assert weak != trained_recommender and not weak.is_live
    assert "Not published" in out.getvalue()
    assert weak.run.metrics["live"]["version"] == trained_recommender.pk

    call_command("train_recommender", "--wait", "--force", stdout=StringIO())
    forced = ModelVersion.objects.order_by("-pk").first()
    assert forced.is_live and forced.run.published

    restored = model_version_rollback()
    assert restored == trained_recommender
    assert ModelVersion.objects.get(is_live=True) == trained_recommender


def test_activating_a_version_whose_vectors_were_pruned_recomputes_them(trained_recommender):
    ItemVector.objects.filter(version=trained_recommender).delete()
    model_version_activate(version=trained_recommender)
    assert (
        ItemVector.objects.filter(version=trained_recommender).count() == Product.objects.filter(is_active=True).count()
    )


def test_the_run_page_shows_stages_metrics_and_the_loss_curve(trained_recommender, admin_client):
    page = admin_client.get(
        reverse("admin:recommender_trainingrun_change", args=[trained_recommender.run_id])
    ).content.decode()
    assert "Embed items" in page and "succeeded" in page
    assert "als (implicit)" in page and "this run's two-tower" in page
    assert "<polyline points=" in page and "Training loss per epoch" in page
    listing = admin_client.get(reverse("admin:recommender_trainingrun_changelist")).content.decode()
    assert "Train now" in listing


def test_staff_activate_and_roll_back_in_admin(trained_recommender, admin_client, settings):
    _barely_trained(settings)
    call_command("train_recommender", "--wait", stdout=StringIO())
    candidate = ModelVersion.objects.order_by("-pk").first()
    url = reverse("admin:recommender_modelversion_changelist")
    admin_client.post(url, {"action": "activate", "_selected_action": [candidate.pk]})
    assert ModelVersion.objects.get(is_live=True) == candidate
    admin_client.post(url, {"action": "rollback", "_selected_action": [candidate.pk]})
    assert ModelVersion.objects.get(is_live=True) == trained_recommender


@pytest.fixture
def live_artifact_kept(trained_recommender):
    """The live model's artifact is shared by the whole session: put it back after a test damages it."""
    storage = storages["artifacts"]
    with storage.open(trained_recommender.artifact, "rb") as handle:
        kept = handle.read()
    yield trained_recommender
    if storage.exists(trained_recommender.artifact):
        storage.delete(trained_recommender.artifact)
    storage.save(trained_recommender.artifact, ContentFile(kept))
    registry.live_model_reset()


def test_a_missing_or_mismatched_artifact_falls_back_to_trending(live_artifact_kept, client, monkeypatch):
    from recommender import features

    registry.live_model_reset()
    monkeypatch.setattr(features, "FEATURE_SCHEMA_HASH", "f" * 16)
    with pytest.raises(registry.ModelUnavailable, match="retrain"):
        registry.live_model_get()
    client.login(username="demo", password="demo-shopper")
    page = client.get("/").content.decode()
    assert "Trending now" in page and "Recommended for you" not in page
    monkeypatch.undo()

    payload = artifact_load(name=live_artifact_kept.artifact, sha256=live_artifact_kept.artifact_sha256)
    payload["state"].pop(next(iter(payload["state"])))
    stored = artifact_save(name=live_artifact_kept.artifact, payload=payload)
    # Saved as such by older model code: its checksum is the recorded one.
    ModelVersion.objects.filter(pk=live_artifact_kept.pk).update(artifact_sha256=stored.sha256)
    registry.live_model_reset()
    with pytest.raises(registry.ModelUnavailable, match="another version of the model code"):
        registry.live_model_get()
    assert "Trending now" in client.get("/").content.decode()

    artifact_delete(name=live_artifact_kept.artifact)
    registry.live_model_reset()
    with pytest.raises(registry.ModelUnavailable, match="not in the artifact storage"):
        registry.live_model_get()
    assert client.get("/").status_code == 200
    assert client.get("/api/recommendations/").json()["source"] == "trending"


def test_train_if_none_leaves_a_live_model_alone(trained_recommender):
    out = StringIO()
    call_command("train_recommender", "--if-none", stdout=out)
    assert "live already" in out.getvalue()
    assert not TrainingRun.objects.filter(in_progress=True).exists()


def test_the_admin_button_queues_a_run_that_the_ml_tasks_carry_out(
    trained_recommender, admin_client, django_capture_on_commit_callbacks, settings
):
    _barely_trained(settings)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:recommender_trainingrun_train"), {"force_publish": "1"}, follow=True
        )
    assert "queued on the ml queue" in response.content.decode()
    run = TrainingRun.objects.order_by("-pk").first()
    assert run.trigger == "admin" and run.force_publish and run.status == TrainingRun.Status.SUCCEEDED
    assert run.model_version.is_live
