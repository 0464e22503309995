from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from shop.forms import ThrottledAuthenticationForm
from shop.api.serializers import (
    CartAddSerializer,
    CartChangeSerializer,
    CartQuantitySerializer,
    CartSerializer,
    CategorySerializer,
    CheckoutSerializer,
    OrderSerializer,
    ProductFilterSerializer,
    ProductSerializer,
)
from shop.models import Category, Order
from shop.selectors import product_list
from shop.selectors.cart import cart_item_count, cart_lines, cart_total, shopper_cart_find
from shop.selectors.orders import order_list
from shop.services.cart import cart_line_add, cart_line_remove, cart_line_set_quantity, shopper_cart_get_or_create
from shop.services.orders import CartEmpty, CheckoutError, cart_signature, order_place


class CsrfForSessions(BasePermission):
    """Writes made with the session cookie need the CSRF token, signed in or not (DRF checks only signed-in ones)."""

    def has_permission(self, request: Request, view) -> bool:
        if request.method in SAFE_METHODS or isinstance(request.successful_authenticator, TokenAuthentication):
            return True
        SessionAuthentication().enforce_csrf(request)
        return True


class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """Active products; filter with category (slug, with its subcategories), brand, min_price, max_price, in_stock, sort."""

    serializer_class = ProductSerializer

    def get_queryset(self):
        if self.action != "list":
            return product_list()
        filters = ProductFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = dict(filters.validated_data)
        sort = data.pop("sort")
        return product_list(filters=data, sort=sort)

    @extend_schema(parameters=[ProductFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CategorySerializer
    queryset = Category.objects.select_related("parent").order_by("path")
    lookup_field = "slug"


def _cart_data(request: Request) -> dict:
    cart = shopper_cart_find(user=request.user, session=request.session)
    lines = cart_lines(cart=cart)
    return {"lines": lines, "item_count": cart_item_count(cart=cart), "total": cart_total(lines=lines), "signature": cart_signature(lines=lines)}


class CartView(APIView):
    """The current shopper's cart: the account's, or the visitor's session's."""

    permission_classes = [CsrfForSessions]

    @extend_schema(responses=CartSerializer)
    def get(self, request: Request) -> Response:
        return Response(CartSerializer(_cart_data(request)).data)


class CartLinesView(APIView):
    permission_classes = [CsrfForSessions]

    @extend_schema(request=CartAddSerializer, responses={201: CartChangeSerializer, 409: CartChangeSerializer})
    def post(self, request: Request) -> Response:
        """Add a product (on top of what the cart holds); quantities are kept within stock."""
        serializer = CartAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not request.session.session_key:
            request.session.save()
        change = cart_line_add(
            cart=shopper_cart_get_or_create(user=request.user, session=request.session),
            product=serializer.validated_data["product"],
            quantity=serializer.validated_data["quantity"],
            user=request.user,
            session_key=request.session.session_key,
        )
        body = {"message": change.message, "clamped": change.clamped, "cart": _cart_data(request)}
        code = status.HTTP_409_CONFLICT if change.quantity == 0 else status.HTTP_201_CREATED
        return Response(CartChangeSerializer(body).data, status=code)


class CartLineView(APIView):
    permission_classes = [CsrfForSessions]

    def _line(self, request: Request, line_id: int):
        cart = shopper_cart_find(user=request.user, session=request.session)
        line = cart.lines.select_related("product").filter(pk=line_id).first() if cart else None
        if line is None:
            raise Http404
        return line

    @extend_schema(request=CartQuantitySerializer, responses=CartChangeSerializer)
    def patch(self, request: Request, line_id: int) -> Response:
        """Set a line's quantity, within stock."""
        line = self._line(request, line_id)
        serializer = CartQuantitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = cart_line_set_quantity(line=line, quantity=serializer.validated_data["quantity"])
        return Response(CartChangeSerializer({"message": change.message, "clamped": change.clamped, "cart": _cart_data(request)}).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, line_id: int) -> Response:
        cart_line_remove(line=self._line(request, line_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in shopper's own orders; anyone else's is a 404."""

    serializer_class = OrderSerializer
    queryset = Order.objects.none()
    permission_classes = [IsAuthenticated, CsrfForSessions]
    lookup_field = "number"

    def get_queryset(self):
        return order_list(user=self.request.user).prefetch_related("lines", "history")

    @extend_schema(request=CheckoutSerializer, responses={201: OrderSerializer, 200: OrderSerializer, 409: None})
    def create(self, request: Request) -> Response:
        """Check out the cart. 201 with a new order; 200 with the same order for a repeated idempotency_key;
        409 when stock ran short or a price changed (GET the cart again and confirm its new signature)."""
        serializer = CheckoutSerializer(data=request.data)
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
        except CheckoutError as error:
            return Response({"problems": error.problems}, status=status.HTTP_409_CONFLICT)
        order = Order.objects.prefetch_related("lines", "history").get(pk=result.order.pk)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class TokenView(APIView):
    """POST username and password for an API token; failed attempts count towards the log-in throttle."""

    authentication_classes = []
    permission_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request={"application/json": {"type": "object", "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}, responses={200: {"type": "object", "properties": {"token": {"type": "string"}}}})
    def post(self, request: Request) -> Response:
        form = ThrottledAuthenticationForm(request._request, data=request.data)
        if not form.is_valid():
            return Response({"errors": form.errors}, status=status.HTTP_400_BAD_REQUEST)
        token, _ = Token.objects.get_or_create(user=form.get_user())
        return Response({"token": token.key})
