from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models


class ProductReviewText(models.Model):
    """Shoppers' own words for a product: the frequent words of its published reviews ("cardi", "jammies", "cosy").

    Written by `search.review_text.review_texts_refresh` whenever the product is embedded (the review-change
    path queues that), searched by the lexical ranking with a low weight and added to the embedded text.
    """

    product = models.OneToOneField(
        "shop.Product", on_delete=models.CASCADE, primary_key=True, related_name="review_text"
    )
    phrases = models.TextField()
    document = models.GeneratedField(
        expression=SearchVector("phrases", weight="D", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [GinIndex(fields=["document"], name="product_review_text_document")]

    def __str__(self) -> str:
        return f"Review words of product {self.product_id}"
