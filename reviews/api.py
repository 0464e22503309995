from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reviews.selectors import REVIEW_SORTS, ReviewFilters, aspect_review_ids, review_list, review_summary_get
from reviews.services import review_create
from shop.api.pagination import paginated_response
from shop.selectors import product_get
from shop.selectors.customers import user_public_name


class ReviewListCreateAPIView(APIView):
    """GET: a product's published reviews (`sort`=newest|helpful|rating|-rating, `stars`=1…5, `aspect`, `page`).
    POST (signed in): `rating` 1–5, `title`, `body`: the shopper's one review of the product."""

    pagination_class = PageNumberPagination
    # Writing spends the review form's budget (shop.api.throttling.RateLimitThrottle); reading is free.
    rate_limit_group = "review_write"
    rate_limit_methods = ["POST"]

    class FilterSerializer(serializers.Serializer):
        # Plain text on purpose: an unknown or malformed value falls back to the default (ReviewFilters),
        # as on the product page, so that a shared link never breaks.
        sort = serializers.CharField(required=False, help_text=f"One of {', '.join(REVIEW_SORTS)}; newest otherwise.")
        stars = serializers.CharField(required=False, help_text="1 to 5: only reviews with that many stars.")
        aspect = serializers.CharField(required=False, trim_whitespace=False, help_text="Only reviews that mention it.")

    @extend_schema_serializer(component_name="ReviewCreate")
    class InputSerializer(serializers.Serializer):
        rating = serializers.IntegerField(min_value=1, max_value=5)
        title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        body = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=True)

    @extend_schema_serializer(component_name="Review")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        author = serializers.SerializerMethodField(help_text="The reviewer's public name, never their email address.")
        rating = serializers.IntegerField()
        title = serializers.CharField()
        body = serializers.CharField()
        verified_purchase = serializers.BooleanField()
        helpful_count = serializers.IntegerField(default=0)
        created_at = serializers.DateTimeField()
        updated_at = serializers.DateTimeField()

        def get_author(self, review) -> str:
            return user_public_name(user=review.author)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True))
    def get(self, request: Request, product_id: int) -> Response:
        product = product_get(pk=product_id)
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = ReviewFilters.from_query(query.validated_data, prefix="")
        ids = aspect_review_ids(summary=review_summary_get(product_id=product.pk), aspect=filters.aspect)
        reviews = review_list(
            product_id=product.pk, sort=filters.sort, stars=filters.stars, aspect_review_ids=ids, viewer=request.user
        )
        return paginated_response(request=request, view=self, queryset=reviews, serializer_class=self.OutputSerializer)

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            400: OpenApiResponse(description="Field errors, by field."),
            409: OpenApiResponse(description="The shopper has reviewed this product already: `detail`."),
        },
    )
    def post(self, request: Request, product_id: int) -> Response:
        product = product_get(pk=product_id)
        if not request.user.is_authenticated:
            raise NotAuthenticated("Sign in to write a review.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            review = review_create(product=product, user=request.user, **serializer.validated_data)
        except ValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            code = (
                status.HTTP_409_CONFLICT if getattr(error, "code", "") == "duplicate" else status.HTTP_400_BAD_REQUEST
            )
            return Response(detail, status=code)
        return Response(self.OutputSerializer(review).data, status=status.HTTP_201_CREATED)


class ReviewSummaryAPIView(APIView):
    """The stored AI summary of a product's reviews and its aspects; 404 with the reason when there is none."""

    @extend_schema_serializer(component_name="ReviewSummary")
    class OutputSerializer(serializers.Serializer):
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

    @extend_schema(
        responses={
            200: OutputSerializer,
            404: OpenApiResponse(description="No summary yet: `detail` and `review_count`."),
        }
    )
    def get(self, request: Request, product_id: int) -> Response:
        product = product_get(pk=product_id)
        summary = review_summary_get(product_id=product.pk)
        if summary is None or not summary.generated_at:
            return Response(
                {"detail": "No summary yet for this product.", "review_count": product.review_count}, status=404
            )
        return Response(self.OutputSerializer(summary).data)
