from decimal import Decimal

from django.core.validators import DecimalValidator, MaxLengthValidator, validate_slug
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_serializer
from PIL import Image
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ml.encoders import EncoderUnavailable
from search.forms import FILTER_FIELDS, MAX_QUERY_CHARS, SORTS
from search.photos import PhotoRejected, photo_open
from search.selectors import SearchResult, product_image_search, product_search
from shop.models import Category, Product

WHOLE_NUMBER = {"invalid": "Enter a whole number."}
CHOICE = {"invalid_choice": "Select a valid choice. {input} is not one of the available choices."}


class _CheckboxField(serializers.BooleanField):
    """A checkbox as the search page reads it: "false" or "0" is off, any other value on."""

    def to_internal_value(self, data) -> bool:
        return bool(data) and not (isinstance(data, str) and data.lower() in ("false", "0"))


@extend_schema_field(OpenApiTypes.BINARY)
class _PhotoField(serializers.FileField):
    """An uploaded photo, opened: photo_open says what is wrong with any upload, an empty file included."""

    default_error_messages = {
        name: "Choose a photo to search with." for name in ("required", "invalid", "no_name", "null")
    }

    def __init__(self, **kwargs):
        super().__init__(allow_empty_file=True, **kwargs)

    def to_internal_value(self, data) -> Image.Image:
        try:
            return photo_open(upload=super().to_internal_value(data))
        except PhotoRejected as error:
            raise serializers.ValidationError(str(error)) from error


def _price_field() -> serializers.DecimalField:
    # Django's validator rather than DRF's precision check: the value is kept as typed ("60", not "60.00"),
    # and the filters echoed in the response read as sent.
    return serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        min_value=Decimal("0"),
        validators=[DecimalValidator(max_digits=10, decimal_places=2)],
        required=False,
        error_messages={"invalid": "Enter a number."},
    )


class _SearchFiltersSerializer(serializers.Serializer):
    """The filters, sort and page that text and photo search share.

    The search page validates the same fields with search.forms.SearchForm; the checkbox rule and
    the Django wording of the errors keep the page and the API answering a request alike.
    """

    category = serializers.CharField(required=False, allow_blank=True, validators=[validate_slug])
    brand = serializers.CharField(required=False, allow_blank=True, validators=[MaxLengthValidator(80)])
    min_price = _price_field()
    max_price = _price_field()
    min_rating = serializers.DecimalField(
        required=False, min_value=Decimal("0.5"), max_value=Decimal("5"), max_digits=2, decimal_places=1
    )
    in_stock = _CheckboxField(required=False)
    age_group = serializers.ChoiceField(
        choices=Product.AgeGroup.choices, required=False, allow_blank=True, error_messages=CHOICE
    )
    colour = serializers.ChoiceField(
        choices=Product.Colour.choices, required=False, allow_blank=True, error_messages=CHOICE
    )
    sort = serializers.ChoiceField(choices=SORTS, required=False, allow_blank=True, error_messages=CHOICE)
    page = serializers.IntegerField(required=False, min_value=1, max_value=10_000, error_messages=WHOLE_NUMBER)

    def validate_category(self, slug: str) -> Category | None:
        if not slug:
            return None
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            raise serializers.ValidationError(f"There is no category “{slug}”.")
        return category

    def validate(self, data: dict) -> dict:
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": "The maximum price must not be below the minimum price."})
        return data


def _explicit_filters(data: dict) -> dict:
    """The filters set with controls (not read from the query text), without empty ones."""
    return {name: data[name] for name in FILTER_FIELDS if data.get(name) not in (None, "", False)}


def _filters_json(filters: dict) -> dict:
    return {
        name: (value.slug if name == "category" else str(value) if not isinstance(value, bool) else value)
        for name, value in filters.items()
    }


def _page_body(*, request: Request, result: SearchResult) -> dict:
    page = result.page

    def link(number: int) -> str:
        query = request.query_params.copy()
        query["page"] = number
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return {
        "count": result.total,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "next": link(page.next_page_number()) if page.has_next() and request.method == "GET" else None,
        "previous": link(page.previous_page_number()) if page.has_previous() and request.method == "GET" else None,
        "query": result.query,
        "ranked_text": result.corrected or result.text,
        "corrected": result.corrected,
        "did_you_mean": result.did_you_mean,
        "excluded": result.exclusions,
        "filters": _filters_json(result.filters),
        "filters_from_query": _filters_json(result.parsed_filters),
        "suggestions": result.suggestions,
        "facets": result.facets,
        "results": result.hits,
    }


class SearchAPIView(APIView):
    """GET /api/search/?q=…&category=…&min_price=…: the ranking the search page shows."""

    class FilterSerializer(_SearchFiltersSerializer):
        q = serializers.CharField(required=False, allow_blank=True, default="")
        parse = serializers.CharField(
            required=False, allow_blank=True, help_text="0: do not read filters from the query text."
        )

        def validate_q(self, query: str) -> str:
            # Longer text adds nothing the encoders would read (they stop at 256 tokens) and costs the full-text parser.
            return query[:MAX_QUERY_CHARS]

    @extend_schema_serializer(component_name="SearchPage")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="SearchHit")
        class HitSerializer(serializers.Serializer):
            id = serializers.IntegerField(source="product.pk")
            sku = serializers.CharField(source="product.sku")
            title = serializers.CharField(source="product.title")
            brand = serializers.CharField(source="product.brand")
            category = serializers.CharField(source="product.category.name")
            price = serializers.DecimalField(source="product.price", max_digits=10, decimal_places=2)
            in_stock = serializers.BooleanField(source="product.in_stock")
            url = serializers.CharField(source="product.get_absolute_url")
            image = serializers.SerializerMethodField()
            score = serializers.FloatField()
            matched_by = serializers.ListField(source="signals", child=serializers.CharField())

            def get_image(self, hit) -> str | None:
                return self.context["request"].build_absolute_uri(hit.product.image.url) if hit.product.image else None

        count = serializers.IntegerField()
        page = serializers.IntegerField()
        pages = serializers.IntegerField()
        next = serializers.URLField(allow_null=True)
        previous = serializers.URLField(allow_null=True)
        query = serializers.CharField()
        ranked_text = serializers.CharField(
            help_text="The text that was ranked: the query, or its spelling correction."
        )
        corrected = serializers.CharField(allow_null=True)
        did_you_mean = serializers.CharField(
            allow_null=True, help_text="A spelling guess that was not searched (the query was searched as typed)."
        )
        excluded = serializers.DictField(
            help_text='Colours and materials left out ("not red"), {"colour": [...], "material": [...]}.'
        )
        filters = serializers.DictField(help_text="Every filter applied, from the fields or read from the query.")
        filters_from_query = serializers.DictField(help_text='The filters read from the query text ("under $50").')
        suggestions = serializers.ListField(child=serializers.CharField())
        facets = serializers.DictField()
        results = HitSerializer(many=True)

    @extend_schema_serializer(component_name="SearchErrors")
    class ErrorSerializer(serializers.Serializer):
        errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))

    @extend_schema(parameters=[FilterSerializer], responses={200: OutputSerializer, 400: ErrorSerializer})
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        if not filters.is_valid():
            return Response({"errors": filters.errors}, status=status.HTTP_400_BAD_REQUEST)
        data = filters.validated_data
        result = product_search(
            query=data["q"],
            filters=_explicit_filters(data),
            sort=data.get("sort") or "relevance",
            page_number=data.get("page") or 1,
            parse=data.get("parse") != "0",
        )
        return Response(
            self.OutputSerializer(_page_body(request=request, result=result), context={"request": request}).data
        )


class ImageSearchAPIView(APIView):
    """POST /api/search/image/ (multipart: photo, and any filter fields): products that look like the photo."""

    parser_classes = [MultiPartParser, FormParser]
    # The photo search page's budget (shop.api.throttling.RateLimitThrottle): encoding a photo is costly.
    rate_limit_group = "photo_search"
    OutputSerializer = SearchAPIView.OutputSerializer
    ErrorSerializer = SearchAPIView.ErrorSerializer

    @extend_schema_serializer(component_name="ImageSearch")
    class InputSerializer(_SearchFiltersSerializer):
        """A photo, and any of the filters, the sort and the page."""

        photo = _PhotoField()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: ErrorSerializer,
            503: OpenApiResponse(ErrorSerializer, description="The image encoder cannot be loaded."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"errors": serializer.errors}, status=status.HTTP_400_BAD_REQUEST)
        data = serializer.validated_data
        try:
            result = product_image_search(
                image=data["photo"],
                filters=_explicit_filters(data),
                sort=data.get("sort") or "relevance",
                page_number=data.get("page") or 1,
            )
        except EncoderUnavailable as error:
            return Response(
                {"errors": {"photo": [f"Photo search is unavailable: {error}"]}},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(
            self.OutputSerializer(_page_body(request=request, result=result), context={"request": request}).data
        )
