import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from search.tasks import products_embed_task
from shop.models import Product
from tests.factories import ProductFactory


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_embeds_products_through_redis(settings):
    product = ProductFactory.build(category=ProductFactory().category)
    Product.objects.bulk_create([product])
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            result = products_embed_task.delay([product.pk])
            assert result.get(timeout=120) == {"text_embedded": 1, "image_embedded": 0}
    finally:
        app.conf.task_always_eager = True
    product.refresh_from_db()
    assert product.text_embedding is not None
