"""The shop's JSON API: products, categories, the shopper's cart, their orders, API tokens.

Every endpoint is an APIView whose nested FilterSerializer (query parameters), InputSerializer
(body) and OutputSerializer (response) describe it, and which reads through selectors and writes
through services. An output shape that several endpoints return is the OutputSerializer of the
endpoint that owns it; `component_name` keeps its name in the OpenAPI schema.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api.pagination import paginated_response
from shop.api.throttling import ScopedRateThrottle
from shop.models import (
    MAX_LINE_QUANTITY,
    CartLine,
    Category,
    Order,
    OrderLine,
    OrderStatusChange,
    Product,
    ProductVariant,
)
from shop.payments import payment_methods
from shop.selectors import (
    PRODUCT_SORTS,
    category_get,
    category_list,
    product_get,
    product_list,
    product_variant_pick,
)
from shop.selectors.cart import cart_item_count, cart_line_find, cart_lines, cart_total, shopper_cart_find
from shop.selectors.orders import order_get, order_list
from shop.services.accounts import api_token_get_or_create, user_authenticate
from shop.services.cart import cart_line_add, cart_line_remove, cart_line_set_quantity, shopper_cart_get_or_create
from shop.services.orders import CartEmpty, CheckoutError, PaymentNotTaken, cart_signature, order_place
from shop.validators import country_choices, phone_validate, postal_code_validate


class CsrfForSessions(BasePermission):
    """Writes made with the session cookie need the CSRF token, signed in or not (DRF checks only signed-in ones)."""

    def has_permission(self, request: Request, view) -> bool:
        if request.method in SAFE_METHODS or isinstance(request.successful_authenticator, TokenAuthentication):
            return True
        SessionAuthentication().enforce_csrf(request)
        return True


class CategoryDetailAPIView(APIView):
    @extend_schema_serializer(component_name="Category")
    class OutputSerializer(serializers.ModelSerializer):
        parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)

        class Meta:
            model = Category
            fields = ["id", "name", "slug", "path", "depth", "parent"]

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(self.OutputSerializer(category_get(slug=slug)).data)


class CategoryListAPIView(APIView):
    """Every category in tree order."""

    pagination_class = PageNumberPagination
    OutputSerializer = CategoryDetailAPIView.OutputSerializer

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return paginated_response(
            request=request, view=self, queryset=category_list(), serializer_class=self.OutputSerializer
        )


class ProductDetailAPIView(APIView):
    """An active product with its variants (sizes) and their stock; a hidden one is a 404."""

    @extend_schema_serializer(component_name="Product")
    class OutputSerializer(serializers.ModelSerializer):
        @extend_schema_serializer(component_name="ProductVariant")
        class VariantSerializer(serializers.ModelSerializer):
            in_stock = serializers.BooleanField(read_only=True)

            class Meta:
                model = ProductVariant
                fields = ["id", "sku", "size", "colour", "stock", "in_stock"]

        category = CategoryDetailAPIView.OutputSerializer(read_only=True)
        in_stock = serializers.BooleanField(read_only=True, help_text="Some variant is in stock.")
        stock = serializers.IntegerField(read_only=True, help_text="Units over all variants.")
        variants = VariantSerializer(many=True, read_only=True)
        image = serializers.SerializerMethodField()
        url = serializers.CharField(source="get_absolute_url", read_only=True)

        class Meta:
            model = Product
            fields = [
                "id",
                "sku",
                "slug",
                "title",
                "description",
                "brand",
                "category",
                "price",
                "stock",
                "in_stock",
                "colour",
                "material",
                "size",
                "age_group",
                "rating_average",
                "review_count",
                "image",
                "url",
                "variants",
            ]

        def get_image(self, product: Product) -> str | None:
            if not product.image:
                return None
            return self.context["request"].build_absolute_uri(product.image.url)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(self.OutputSerializer(product_get(pk=pk), context={"request": request}).data)


class ProductListAPIView(APIView):
    """Active products; filter with category (slug, with its subcategories), brand, min_price, max_price, in_stock, sort."""

    pagination_class = PageNumberPagination
    OutputSerializer = ProductDetailAPIView.OutputSerializer

    class FilterSerializer(serializers.Serializer):
        category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all(), required=False)
        brand = serializers.CharField(max_length=80, required=False)
        min_price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"), required=False)
        max_price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0"), required=False)
        in_stock = serializers.BooleanField(required=False, default=False)
        sort = serializers.ChoiceField(choices=list(PRODUCT_SORTS), required=False, default="newest")

        def validate(self, data: dict) -> dict:
            if "min_price" in data and "max_price" in data and data["min_price"] > data["max_price"]:
                raise serializers.ValidationError({"max_price": "max_price must not be below min_price."})
            return data

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = dict(filters.validated_data)
        sort = data.pop("sort")
        products = product_list(filters=data, sort=sort).prefetch_related("variants")
        return paginated_response(request=request, view=self, queryset=products, serializer_class=self.OutputSerializer)


def _cart_body(request: Request) -> dict:
    cart = shopper_cart_find(user=request.user, session=request.session)
    lines = cart_lines(cart=cart)
    return {
        "lines": lines,
        "item_count": cart_item_count(cart=cart),
        "total": cart_total(lines=lines),
        "signature": cart_signature(lines=lines),
    }


class CartAPIView(APIView):
    """The current shopper's cart: the account's, or the visitor's session's."""

    permission_classes = [CsrfForSessions]

    @extend_schema_serializer(component_name="Cart")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="CartLine")
        class LineSerializer(serializers.ModelSerializer):
            @extend_schema_serializer(component_name="CartProduct")
            class ProductSerializer(serializers.ModelSerializer):
                class Meta:
                    model = Product
                    fields = ["id", "sku", "title", "price", "stock", "slug"]

            product = ProductSerializer(read_only=True)
            variant = ProductDetailAPIView.OutputSerializer.VariantSerializer(read_only=True)
            line_total = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
            price_changed = serializers.BooleanField(read_only=True)

            class Meta:
                model = CartLine
                fields = ["id", "product", "variant", "quantity", "unit_price", "line_total", "price_changed"]

        lines = LineSerializer(many=True)
        item_count = serializers.IntegerField()
        total = serializers.DecimalField(max_digits=12, decimal_places=2)
        signature = serializers.CharField(
            help_text="Send it with POST /api/orders/ to confirm these prices and quantities."
        )

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(_cart_body(request)).data)


class CartLinesAPIView(APIView):
    permission_classes = [CsrfForSessions]

    @extend_schema_serializer(component_name="CartAdd")
    class InputSerializer(serializers.Serializer):
        variant = serializers.PrimaryKeyRelatedField(
            queryset=ProductVariant.objects.filter(product__is_active=True).select_related("product"),
            required=False,
            help_text="The size to buy: one of the product's `variants`.",
            error_messages={"does_not_exist": "No variant with id {pk_value}."},
        )
        product = serializers.PrimaryKeyRelatedField(
            queryset=Product.objects.filter(is_active=True),
            required=False,
            help_text="Enough on its own only for a product sold in one version (a single variant).",
            error_messages={"does_not_exist": "No product with id {pk_value}."},
        )
        quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, default=1)

        def validate(self, data: dict) -> dict:
            variant, product = data.get("variant"), data.get("product")
            if variant is None and product is None:
                raise serializers.ValidationError({"variant": ["Send the variant (size) to add."]})
            if variant is not None and product is not None and variant.product_id != product.pk:
                raise serializers.ValidationError({"variant": ["This variant is not one of that product's."]})
            if variant is None:
                try:
                    data["variant"] = product_variant_pick(product=product, variant_id=None)
                except DjangoValidationError as error:
                    raise serializers.ValidationError({"variant": error.messages}) from error
            return data

    @extend_schema_serializer(component_name="CartChange")
    class OutputSerializer(serializers.Serializer):
        message = serializers.CharField()
        clamped = serializers.BooleanField()
        cart = CartAPIView.OutputSerializer()

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer, 409: OutputSerializer})
    def post(self, request: Request) -> Response:
        """Add a variant (a size of a product) on top of what the cart holds; quantities are kept within its stock."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not request.session.session_key:
            request.session.save()
        change = cart_line_add(
            cart=shopper_cart_get_or_create(user=request.user, session=request.session),
            variant=serializer.validated_data["variant"],
            quantity=serializer.validated_data["quantity"],
            user=request.user,
            session_key=request.session.session_key,
        )
        body = {"message": change.message, "clamped": change.clamped, "cart": _cart_body(request)}
        code = status.HTTP_409_CONFLICT if change.quantity == 0 else status.HTTP_201_CREATED
        return Response(self.OutputSerializer(body).data, status=code)


class CartLineAPIView(APIView):
    permission_classes = [CsrfForSessions]
    OutputSerializer = CartLinesAPIView.OutputSerializer

    @extend_schema_serializer(component_name="CartQuantity")
    class InputSerializer(serializers.Serializer):
        quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)

    def _line(self, request: Request, line_id: int) -> CartLine:
        line = cart_line_find(cart=shopper_cart_find(user=request.user, session=request.session), line_id=line_id)
        if line is None:
            raise NotFound
        return line

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def patch(self, request: Request, line_id: int) -> Response:
        """Set a line's quantity, within stock."""
        line = self._line(request, line_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = cart_line_set_quantity(line=line, quantity=serializer.validated_data["quantity"])
        return Response(
            self.OutputSerializer(
                {"message": change.message, "clamped": change.clamped, "cart": _cart_body(request)}
            ).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request: Request, line_id: int) -> Response:
        cart_line_remove(line=self._line(request, line_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrderDetailAPIView(APIView):
    """One of the signed-in shopper's own orders; anyone else's is a 404."""

    permission_classes = [IsAuthenticated, CsrfForSessions]

    @extend_schema_serializer(component_name="Order")
    class OutputSerializer(serializers.ModelSerializer):
        @extend_schema_serializer(component_name="OrderLine")
        class LineSerializer(serializers.ModelSerializer):
            class Meta:
                model = OrderLine
                fields = [
                    "product",
                    "variant",
                    "title",
                    "sku",
                    "size",
                    "colour",
                    "unit_price",
                    "quantity",
                    "line_total",
                ]

        @extend_schema_serializer(component_name="OrderStatusChange")
        class StatusChangeSerializer(serializers.ModelSerializer):
            class Meta:
                model = OrderStatusChange
                fields = ["from_status", "to_status", "note", "created_at"]

        lines = LineSerializer(many=True, read_only=True)
        history = StatusChangeSerializer(many=True, read_only=True)

        class Meta:
            model = Order
            fields = [
                "number",
                "status",
                "created_at",
                "email",
                *Order.ADDRESS_FIELDS,
                "payment_method",
                "subtotal",
                "shipping",
                "total",
                "lines",
                "history",
            ]
            read_only_fields = fields

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, number: str) -> Response:
        return Response(self.OutputSerializer(order_get(user=request.user, number=number)).data)


class OrderListCreateAPIView(APIView):
    """The signed-in shopper's own orders, newest first; POST checks out the cart."""

    permission_classes = [IsAuthenticated, CsrfForSessions]
    pagination_class = PageNumberPagination
    OutputSerializer = OrderDetailAPIView.OutputSerializer

    @extend_schema_serializer(component_name="Checkout")
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(
            max_length=254,
            required=False,
            allow_blank=True,
            default="",
            help_text="Used only when the account has no email; the order goes to the account's email.",
        )
        full_name = serializers.CharField(max_length=150)
        address_line1 = serializers.CharField(max_length=200)
        address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        city = serializers.CharField(max_length=100)
        postal_code = serializers.CharField(max_length=20, validators=[postal_code_validate])
        country = serializers.ChoiceField(choices=[], help_text="An ISO 3166-1 alpha-2 code, such as GB or FR.")
        phone = serializers.CharField(
            max_length=30, required=False, allow_blank=True, default="", validators=[phone_validate]
        )
        payment_method = serializers.ChoiceField(choices=[], default="manual")
        idempotency_key = serializers.UUIDField(
            help_text="A new UUID per checkout; a retry with the same key returns the same order."
        )
        signature = serializers.CharField(max_length=64, help_text="The cart's signature from GET /api/cart/.")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["payment_method"].choices = list(payment_methods())
            self.fields["country"].choices = country_choices()

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        orders = order_list(user=request.user).prefetch_related("lines", "history")
        return paginated_response(request=request, view=self, queryset=orders, serializer_class=self.OutputSerializer)

    @extend_schema(
        request=InputSerializer, responses={201: OutputSerializer, 200: OutputSerializer, 402: None, 409: None}
    )
    def post(self, request: Request) -> Response:
        """Check out the cart. 201 with a new order; 200 with the same order for a repeated idempotency_key;
        409 when stock ran short, a price changed (GET the cart again and confirm its new signature) or too
        many orders wait to be paid on delivery; 402 when the payment did not go through (the order is
        cancelled, the cart is as it was: retry with a new idempotency_key)."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        cart = shopper_cart_find(user=request.user, session=request.session)
        if cart is None:
            raise ValidationError({"cart": ["Your cart is empty."]})
        try:
            result = order_place(
                user=request.user,
                cart=cart,
                payment_method=data.pop("payment_method"),
                idempotency_key=data.pop("idempotency_key"),
                signature=data.pop("signature"),
                address=data,
            )
        except CartEmpty as error:
            raise ValidationError({"cart": error.problems}) from error
        except PaymentNotTaken as error:
            return Response(
                {"problems": error.problems, "order": error.order.number}, status=status.HTTP_402_PAYMENT_REQUIRED
            )
        except CheckoutError as error:
            return Response({"problems": error.problems}, status=status.HTTP_409_CONFLICT)
        order = order_get(user=request.user, number=result.order.number)
        return Response(
            self.OutputSerializer(order).data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )


class TokenAPIView(APIView):
    """POST username and password for an API token; failed attempts count towards the log-in throttle."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema_serializer(component_name="TokenRequest")
    class InputSerializer(serializers.Serializer):
        # A blank field reads as a missing one, as on the log-in page.
        username = serializers.CharField(error_messages={"blank": "This field is required."})
        password = serializers.CharField(trim_whitespace=False, error_messages={"blank": "This field is required."})

    @extend_schema_serializer(component_name="Token")
    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"errors": serializer.errors}, status=status.HTTP_400_BAD_REQUEST)
        try:
            user = user_authenticate(request=request._request, **serializer.validated_data)
        except DjangoValidationError as error:
            return Response({"errors": {"__all__": error.messages}}, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.OutputSerializer({"token": api_token_get_or_create(user=user).key}).data)
