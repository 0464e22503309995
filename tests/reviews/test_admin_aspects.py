"""Staff read a summary's aspects as a table, never as the raw aspects JSON."""

import pytest
from django.urls import reverse

from tests.factories import ReviewSummaryFactory

pytestmark = pytest.mark.django_db


def test_aspects_are_a_table(admin_client):
    summary = ReviewSummaryFactory(
        aspects=[
            {
                "name": "battery",
                "sentiment": "positive",
                "share": 0.42,
                "mentions": 21,
                "mean_rating": 4.61,
                "quote": "The battery lasts <all> week.",
                "review_ids": [1, 2],
            },
            {
                "name": "strap",
                "sentiment": "negative",
                "share": 0.1,
                "mentions": 5,
                "mean_rating": 2.0,
                "quote": "The strap broke.",
                "review_ids": [3],
            },
        ]
    )
    page = admin_client.get(reverse("admin:reviews_reviewsummary_change", args=[summary.pk])).content.decode()
    assert "&quot;sentiment&quot;" not in page and '"sentiment":' not in page, "no raw JSON"
    body = page.split('<table class="aspects-table">', 1)[1].split("</table>", 1)[0]
    rows = [" ".join(row.split()) for row in body.split("<tr>")[2:]]
    assert len(rows) == 2
    assert "battery" in rows[0] and "positive" in rows[0] and "21 (42 %)" in rows[0] and "4.6" in rows[0]
    assert "The battery lasts &lt;all&gt; week." in rows[0], "review text is escaped"
    assert "strap" in rows[1] and "negative" in rows[1] and "5 (10 %)" in rows[1]


def test_a_summary_without_aspects_says_so(admin_client):
    summary = ReviewSummaryFactory(aspects=[])
    page = admin_client.get(reverse("admin:reviews_reviewsummary_change", args=[summary.pk])).content.decode()
    assert "No aspects yet." in page
