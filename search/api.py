from django import forms
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ml.encoders import EncoderUnavailable
from search.forms import FILTER_FIELDS, SearchForm
from search.photos import PhotoRejected, photo_open
from search.selectors import SearchResult, product_image_search, product_search


class SearchHitSerializer(serializers.Serializer):
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


class SearchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    query = serializers.CharField()
    ranked_text = serializers.CharField(help_text="The text that was ranked: the query, or its spelling correction.")
    corrected = serializers.CharField(allow_null=True)
    filters = serializers.DictField(help_text="Every filter applied, from the fields or read from the query.")
    filters_from_query = serializers.DictField(help_text="The filters read from the query text (\"under $50\").")
    suggestions = serializers.ListField(child=serializers.CharField())
    facets = serializers.DictField()
    results = SearchHitSerializer(many=True)


class SearchErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def _search_parameters() -> list[OpenApiParameter]:
    """The search form's fields as documented query parameters, so the schema cannot drift from the form."""
    kinds = ((forms.IntegerField, int), (forms.DecimalField, float), (forms.BooleanField, bool))
    return [
        OpenApiParameter(
            name,
            type=next((kind for field_class, kind in kinds if isinstance(field, field_class)), str),
            enum=[value for value, _ in field.choices if value] if isinstance(field, forms.ChoiceField) else None,
            description=field.help_text,
        )
        for name, field in SearchForm.base_fields.items()
    ]


SEARCH_PARAMETERS = _search_parameters()


def _filters_json(filters: dict) -> dict:
    return {name: (value.slug if name == "category" else str(value) if not isinstance(value, bool) else value) for name, value in filters.items()}


def _page_response(*, request: Request, result: SearchResult) -> Response:
    page = result.page

    def link(number: int) -> str:
        query = request.query_params.copy()
        query["page"] = number
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return Response(
        {
            "count": result.total,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "next": link(page.next_page_number()) if page.has_next() and request.method == "GET" else None,
            "previous": link(page.previous_page_number()) if page.has_previous() and request.method == "GET" else None,
            "query": result.query,
            "ranked_text": result.corrected or result.text,
            "corrected": result.corrected,
            "filters": _filters_json(result.filters),
            "filters_from_query": _filters_json(result.parsed_filters),
            "suggestions": result.suggestions,
            "facets": result.facets,
            "results": SearchHitSerializer(result.hits, many=True, context={"request": request}).data,
        }
    )


class SearchAPIView(APIView):
    """GET /api/search/?q=…&category=…&min_price=…: the ranking the search page shows."""

    @extend_schema(parameters=SEARCH_PARAMETERS, responses={200: SearchPageSerializer, 400: SearchErrorsSerializer})
    def get(self, request: Request) -> Response:
        form = SearchForm(request.query_params)
        if not form.is_valid():
            return Response({"errors": form.errors}, status=status.HTTP_400_BAD_REQUEST)
        result = product_search(**form.search_arguments())
        return _page_response(request=request, result=result)


class ImageSearchAPIView(APIView):
    """POST /api/search/image/ (multipart: photo, and any filter fields): products that look like the photo."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"photo": {"type": "string", "format": "binary"}, **{name: {"type": "string"} for name in FILTER_FIELDS + ("sort", "page")}},
                "required": ["photo"],
            }
        },
        responses={
            200: SearchPageSerializer,
            400: SearchErrorsSerializer,
            503: OpenApiResponse(SearchErrorsSerializer, description="The image encoder cannot be loaded."),
        },
    )
    def post(self, request: Request) -> Response:
        form = SearchForm(request.data)
        if not form.is_valid():
            return Response({"errors": form.errors}, status=status.HTTP_400_BAD_REQUEST)
        try:
            photo = photo_open(upload=request.FILES.get("photo"))
            result = product_image_search(
                image=photo,
                filters=form.explicit_filters(),
                sort=form.cleaned_data.get("sort") or "relevance",
                page_number=form.cleaned_data.get("page") or 1,
            )
        except PhotoRejected as error:
            return Response({"errors": {"photo": [str(error)]}}, status=status.HTTP_400_BAD_REQUEST)
        except EncoderUnavailable as error:
            return Response({"errors": {"photo": [f"Photo search is unavailable: {error}"]}}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return _page_response(request=request, result=result)
