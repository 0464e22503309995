from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommender.selectors import product_similar, user_recommendations
from shop.models import Product


class ProductBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    sku = serializers.CharField()
    title = serializers.CharField()
    brand = serializers.CharField()
    category = serializers.CharField(source="category.name")
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    in_stock = serializers.BooleanField()
    url = serializers.CharField(source="get_absolute_url")


class RecommendationSerializer(serializers.Serializer):
    product = ProductBriefSerializer()
    score = serializers.FloatField()
    reason = serializers.CharField()


class CountQuerySerializer(serializers.Serializer):
    k = serializers.IntegerField(min_value=1, max_value=50, default=12)


class RecommendationsResponseSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=["model", "trending"])
    model_version = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(help_text="Why trending items are shown instead of personal picks, when they are.")
    results = RecommendationSerializer(many=True)


class SimilarProductsResponseSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    source = serializers.ChoiceField(choices=["model", "text", ""], help_text="Item tower, description vectors, or none.")
    results = ProductBriefSerializer(many=True)


class RecommendationsAPIView(APIView):
    """The current shopper's recommendations; visitors and new shoppers get trending items, with the reason in `note`."""

    @extend_schema(parameters=[CountQuerySerializer], responses=RecommendationsResponseSerializer)
    def get(self, request: Request) -> Response:
        query = CountQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = user_recommendations(
            user_id=request.user.pk if request.user.is_authenticated else None, k=query.validated_data["k"]
        )
        return Response(
            {
                "source": result.source,
                "model_version": result.version_id,
                "note": result.note,
                "results": RecommendationSerializer(result.items, many=True).data,
            }
        )


class SimilarProductsAPIView(APIView):
    """Products similar to one: by the live item tower, or by description when the product has no item vector yet."""

    @extend_schema(parameters=[CountQuerySerializer], responses=SimilarProductsResponseSerializer)
    def get(self, request: Request, pk: int) -> Response:
        query = CountQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        product = get_object_or_404(Product.objects.select_related("category"), pk=pk, is_active=True)
        similar = product_similar(product=product, k=query.validated_data["k"])
        return Response(
            {
                "product": product.pk,
                "source": similar.source,
                "results": ProductBriefSerializer(similar.products, many=True).data,
            }
        )
