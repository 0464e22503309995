import json
import shutil

import pytest
from django.conf import settings
from django.core.cache import cache

from config.services import redis_answers


@pytest.fixture(scope="session", autouse=True)
def media_cleanup():
    # The test settings name per-process folders (config/settings/test.py); a reused process id
    # must not find an earlier run's files.
    folders = [settings.MEDIA_ROOT, settings.STORAGES["artifacts"]["OPTIONS"]["location"]]
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    yield
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def redis_required() -> None:
    if not redis_answers(url=settings.REDIS_URL):
        pytest.exit(f"The tests need a real Redis at {settings.REDIS_URL} (.ci/run starts one).", returncode=2)


@pytest.fixture(autouse=True)
def cache_clear(redis_required):
    """An empty cache for every test: cached rows (the category tree, trending) outlive the database rollback."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def demo_catalog(django_db_setup, django_db_blocker):
    """The default demo shop (seed 7, embedded), written once per test session.

    Tests that use it read it and add their own rows; transactional tests, which empty the
    database, run after all of these (pytest-django orders them last).
    """
    from shop.demo.seed import demo_seed

    with django_db_blocker.unblock():
        return demo_seed(
            products=2000,
            users=1000,
            seed=7,
            datasets_dir=settings.DEMO_DATASETS_DIR,
            clothing_wheel=settings.DEMO_CLOTHING_WHEEL,
        )


@pytest.fixture(scope="session")
def trained_recommender(demo_catalog, django_db_blocker):
    """One full run of the training pipeline on the demo shop; its model is live for the tests that read it."""
    from io import StringIO

    from django.core.management import call_command

    from recommender.models import ModelVersion

    with django_db_blocker.unblock():
        call_command("train_recommender", "--wait", stdout=StringIO())
        return ModelVersion.objects.get(is_live=True)


TINY_CLIP = {
    "embed_dim": 512,
    "vision_cfg": {"image_size": 64, "layers": 1, "width": 64, "patch_size": 16, "head_width": 32},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 1},
}


@pytest.fixture
def tiny_clip(settings, tmp_path_factory):
    """A real open_clip model, tiny and randomly initialised: the real image path without real weights."""
    import open_clip

    folder = tmp_path_factory.mktemp("clip-config")
    (folder / "shop-tiny-clip.json").write_text(json.dumps(TINY_CLIP))
    open_clip.add_model_config(folder)
    settings.IMAGE_ENCODER = {"MODEL": "shop-tiny-clip", "PRETRAINED": "random"}
    return settings.IMAGE_ENCODER
