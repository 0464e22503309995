from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews.selectors import ReviewFilters, aspect_review_ids, review_list, review_summary_get
from reviews.services import review_create
from shop.models import Product


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author = serializers.SerializerMethodField()
    rating = serializers.IntegerField(min_value=1, max_value=5)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=True)
    verified_purchase = serializers.BooleanField(read_only=True)
    helpful_count = serializers.IntegerField(read_only=True, default=0)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_author(self, review) -> str:
        return review.author.first_name or review.author.username


class ReviewSummarySerializer(serializers.Serializer):
    text = serializers.CharField()
    label = serializers.SerializerMethodField()
    aspects = serializers.SerializerMethodField()
    review_count = serializers.IntegerField()
    model_name = serializers.CharField()
    generated_at = serializers.DateTimeField()
    is_stale = serializers.BooleanField()
    note = serializers.CharField()

    def get_label(self, summary) -> str:
        return f"AI-generated from {summary.review_count} reviews"

    def get_aspects(self, summary) -> list[dict]:
        return [
            {key: aspect[key] for key in ("name", "sentiment", "share", "mentions", "mean_rating", "quote")}
            for aspect in summary.aspects
        ]


def _product(product_id: int) -> Product:
    return get_object_or_404(Product, pk=product_id, is_active=True)


class ReviewListCreateAPIView(generics.GenericAPIView):
    """GET: a product's published reviews (`sort`=newest|helpful|rating|-rating, `stars`=1…5, `aspect`, `page`).
    POST (signed in): `rating` 1–5, `title`, `body`: the shopper's one review of the product."""

    serializer_class = ReviewSerializer

    def get(self, request: Request, product_id: int) -> Response:
        product = _product(product_id)
        filters = ReviewFilters.from_query(request.query_params, prefix="")
        ids = aspect_review_ids(summary=review_summary_get(product_id=product.pk), aspect=filters.aspect)
        reviews = review_list(product_id=product.pk, sort=filters.sort, stars=filters.stars, aspect_review_ids=ids, viewer=request.user)
        page = self.paginate_queryset(reviews)
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)

    def post(self, request: Request, product_id: int) -> Response:
        product = _product(product_id)
        if not request.user.is_authenticated:
            raise NotAuthenticated("Sign in to write a review.")
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            review = review_create(product=product, user=request.user, **serializer.validated_data)
        except ValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            code = status.HTTP_409_CONFLICT if getattr(error, "code", "") == "duplicate" else status.HTTP_400_BAD_REQUEST
            return Response(detail, status=code)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ReviewSummaryAPIView(APIView):
    """The stored AI summary of a product's reviews and its aspects; 404 with the reason when there is none."""

    @extend_schema(
        responses={200: ReviewSummarySerializer, 404: OpenApiResponse(description="No summary yet: `detail` and `review_count`.")}
    )
    def get(self, request: Request, product_id: int) -> Response:
        product = _product(product_id)
        summary = review_summary_get(product_id=product.pk)
        if summary is None or not summary.generated_at:
            return Response({"detail": "No summary yet for this product.", "review_count": product.review_count}, status=404)
        return Response(ReviewSummarySerializer(summary).data)
