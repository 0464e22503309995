from decimal import Decimal

from rest_framework import serializers

from shop.models import MAX_LINE_QUANTITY, CartLine, Category, Order, OrderLine, OrderStatusChange, Product
from shop.payments import payment_methods
from shop.selectors import PRODUCT_SORTS
from shop.validators import phone_validate, postal_code_validate


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "path", "depth", "parent"]


class ProductSerializer(serializers.ModelSerializer):
    category = CategorySerializer(read_only=True)
    in_stock = serializers.BooleanField(read_only=True)
    image = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Product
        fields = [
            "id", "sku", "slug", "title", "description", "brand", "category", "price", "stock", "in_stock",
            "colour", "material", "size", "age_group", "rating_average", "review_count", "image", "url",
        ]

    def get_image(self, product: Product) -> str | None:
        if not product.image:
            return None
        return self.context["request"].build_absolute_uri(product.image.url)


class ProductFilterSerializer(serializers.Serializer):
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


class CartProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "title", "price", "stock", "slug"]


class CartLineSerializer(serializers.ModelSerializer):
    product = CartProductSerializer(read_only=True)
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    price_changed = serializers.BooleanField(read_only=True)

    class Meta:
        model = CartLine
        fields = ["id", "product", "quantity", "unit_price", "line_total", "price_changed"]


class CartSerializer(serializers.Serializer):
    lines = CartLineSerializer(many=True)
    item_count = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    signature = serializers.CharField(help_text="Send it with POST /api/orders/ to confirm these prices and quantities.")


class CartAddSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.filter(is_active=True), error_messages={"does_not_exist": "No product with id {pk_value}."}
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, default=1)


class CartQuantitySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY)


class CartChangeSerializer(serializers.Serializer):
    message = serializers.CharField()
    clamped = serializers.BooleanField()
    cart = CartSerializer()


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["product", "title", "sku", "unit_price", "quantity", "line_total"]


class OrderStatusChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderStatusChange
        fields = ["from_status", "to_status", "note", "created_at"]


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    history = OrderStatusChangeSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "number", "status", "created_at", "email", "full_name", "address_line1", "address_line2", "city",
            "postal_code", "country", "phone", "payment_method", "subtotal", "shipping", "total", "lines", "history",
        ]
        read_only_fields = fields


class CheckoutSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    full_name = serializers.CharField(max_length=150)
    address_line1 = serializers.CharField(max_length=200)
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    postal_code = serializers.CharField(max_length=20, validators=[postal_code_validate])
    country = serializers.CharField(max_length=100)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="", validators=[phone_validate])
    payment_method = serializers.ChoiceField(choices=[], default="manual")
    idempotency_key = serializers.UUIDField(help_text="A new UUID per checkout; a retry with the same key returns the same order.")
    signature = serializers.CharField(max_length=64, help_text="The cart's signature from GET /api/cart/.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].choices = list(payment_methods())
