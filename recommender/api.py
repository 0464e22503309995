from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from recommender.experiments import impressions_log, recommendations_for_visitor
from recommender.models import Impression
from recommender.selectors import product_similar
from shop.selectors import product_get


class SimilarProductsAPIView(APIView):
    """Products similar to one: by the live item tower, or by description when the product has no item vector yet."""

    class FilterSerializer(serializers.Serializer):
        k = serializers.IntegerField(min_value=1, max_value=50, default=12)

    @extend_schema_serializer(component_name="SimilarProductsResponse")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="ProductBrief")
        class ProductSerializer(serializers.Serializer):
            id = serializers.IntegerField(source="pk")
            sku = serializers.CharField()
            title = serializers.CharField()
            brand = serializers.CharField()
            category = serializers.CharField(source="category.name")
            price = serializers.DecimalField(max_digits=10, decimal_places=2)
            in_stock = serializers.BooleanField()
            url = serializers.CharField(source="get_absolute_url")

        product = serializers.IntegerField()
        source = serializers.ChoiceField(
            choices=["model", "text", ""], help_text="Item tower, description vectors, or none."
        )
        results = ProductSerializer(many=True)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        product = product_get(pk=pk)
        similar = product_similar(product=product, k=query.validated_data["k"])
        return Response(
            self.OutputSerializer({"product": product.pk, "source": similar.source, "results": similar.products}).data
        )


class RecommendationsAPIView(APIView):
    """The current shopper's recommendations; visitors and new shoppers get trending items, with the reason in `note`."""

    FilterSerializer = SimilarProductsAPIView.FilterSerializer

    @extend_schema_serializer(component_name="RecommendationsResponse")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="Recommendation")
        class RecommendationSerializer(serializers.Serializer):
            product = SimilarProductsAPIView.OutputSerializer.ProductSerializer()
            score = serializers.FloatField()
            reason = serializers.CharField()
            impression_id = serializers.IntegerField(
                allow_null=True,
                help_text="The logged tile: open the product page with ?ri=<impression_id> so the click counts.",
            )

        source = serializers.ChoiceField(choices=["model", "trending"])
        model_version = serializers.IntegerField(source="version_id", allow_null=True)
        note = serializers.CharField(help_text="Why trending items are shown instead of personal picks, when they are.")
        results = RecommendationSerializer(source="items", many=True)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        query = self.FilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user_id = request.user.pk if request.user.is_authenticated else None
        result, arm = recommendations_for_visitor(user_id=user_id, k=query.validated_data["k"])
        impressions_log(
            recommendations=result, surface=Impression.Surface.API, user_id=user_id, session_key=None, arm=arm
        )
        return Response(self.OutputSerializer(result).data)
