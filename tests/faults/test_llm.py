"""The LLM server down or hanging: pages keep the stored summary and staff get an answer in time."""

import socket
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from ml.encoders import text_encoder_get
from reviews.models import ReviewSummary
from tests.factories import ProductFactory, ReviewFactory, ReviewSummaryFactory

pytestmark = pytest.mark.django_db

STORED = "Customers say it is quiet and boils fast."
REVIEWS = (
    (5, "Quiet and quick, the water boils in three minutes."),
    (4, "Quiet kettle, the lid is a little stiff."),
    (2, "The handle gets hot and the lid is stiff."),
    (5, "Very quiet, pours without dripping."),
)


@pytest.fixture
def refused_url():
    """An address nothing listens on: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture
def hanging_url():
    """A server that takes connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"


@pytest.mark.parametrize("server", ["refused_url", "hanging_url"])
def test_with_the_llm_down_pages_show_the_stored_summary_and_summarise_now_answers_in_time(
    request, server, settings, client, admin_client
):
    settings.LLM = {
        **settings.LLM,
        "BACKEND": "openai",
        "BASE_URL": request.getfixturevalue(server),
        "TIMEOUT_SECONDS": 1.0,
        "MAX_RETRIES": 0,
    }
    product = ProductFactory(title="Quiet Kettle")
    for rating, body in REVIEWS:
        ReviewFactory(product=product, rating=rating, body=body)
    summary = ReviewSummaryFactory(
        product=product, text=STORED, review_hash="before-the-last-review", review_count=3, generated_at=timezone.now()
    )
    assert STORED in client.get(product.get_absolute_url()).content.decode()
    text_encoder_get()  # the aspects' encoder loads once per process; only the LLM's time is measured

    started = time.monotonic()
    response = admin_client.post(
        reverse("admin:reviews_reviewsummary_changelist"),
        {"action": "regenerate_now", "_selected_action": [summary.pk]},
        follow=True,
    )
    assert time.monotonic() - started < 20, "LLM_TIMEOUT_SECONDS bounds the wait, with LLM_MAX_RETRIES 0 one try"
    assert response.status_code == 200
    assert f"Product {product.pk}: the LLM gave no answer" in response.content.decode()

    summary.refresh_from_db()
    assert summary.text == STORED and summary.is_stale and summary.error
    assert STORED in client.get(product.get_absolute_url()).content.decode()
    assert ReviewSummary.objects.count() == 1
