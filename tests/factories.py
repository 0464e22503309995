from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from reviews.models import Review, ReviewSummary
from shop.models import Cart, CartLine, Category, Interaction, Order, OrderLine, Product, ProductVariant
from shop.services.stock import product_stock_refresh

# A shipping address that passes checkout's validation, for tests that place orders.
CHECKOUT_ADDRESS = {
    "email": "ada@example.com",
    "full_name": "Ada Lovelace",
    "address_line1": "12 Analytical Street",
    "city": "London",
    "postal_code": "NW1 2AB",
    "country": "GB",
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("a-good-password-1")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Test Category {n}")
    slug = factory.Sequence(lambda n: f"test-category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """A product sold in one version (one variant carrying its SKU and `stock`), or in sizes:
    `ProductFactory(sizes={"S": 2, "M": 0})` makes a size run, the product's stock their sum."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    sku = factory.Sequence(lambda n: f"TEST-{n:06d}")
    slug = factory.Sequence(lambda n: f"test-product-{n}")
    title = factory.Sequence(lambda n: f"Test Product {n}")
    description = "A product made for a test. It has two sentences."
    category = factory.SubFactory(CategoryFactory)
    brand = "Testbrand"
    price = Decimal("19.99")
    stock = 10
    colour = Product.Colour.BLUE

    @factory.post_generation
    def sizes(product, create, extracted, **kwargs):
        if not create:
            return
        if not extracted:
            ProductVariant.objects.create(product=product, sku=product.sku, stock=product.stock)
            return
        ProductVariant.objects.bulk_create(
            ProductVariant(product=product, sku=f"{product.sku}-{size}", size=size, stock=stock, position=position)
            for position, (size, stock) in enumerate(extracted.items())
        )
        product_stock_refresh(product_ids=[product.pk])
        product.refresh_from_db(fields=["stock"])


def variant_of(product: Product, size: str = "") -> ProductVariant:
    """A product's variant in a size; its only (or first) one when no size is named."""
    variants = product.variants.order_by("position", "pk")
    return variants.get(size=size) if size else variants.first()


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    product = factory.SubFactory(ProductFactory)
    author = factory.SubFactory(UserFactory)
    rating = 4
    title = "Does the job"
    body = "Works as described and arrived quickly."


class ReviewSummaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewSummary

    product = factory.SubFactory(ProductFactory)
    text = "Customers say it does the job."


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    user = factory.SubFactory(UserFactory)
    product = factory.SubFactory(ProductFactory)
    kind = Interaction.Kind.VIEW


class CartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cart

    user = factory.SubFactory(UserFactory)


class CartLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartLine

    class Params:
        size = ""

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    variant = factory.LazyAttribute(lambda line: variant_of(line.product, line.size))
    quantity = 1
    # The price the shopper saw: the product's own unless a test makes it differ.
    unit_price = factory.LazyAttribute(lambda line: line.product.price)


class OrderFactory(factory.django.DjangoModelFactory):
    """An order as checkout stores it; its totals are not derived from lines, so pass them when lines matter."""

    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"NW-TEST-{n:05d}")
    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda order: order.user.email)
    full_name = "Test Shopper"
    address_line1 = "1 Test Road"
    city = "Testtown"
    postal_code = "12345"
    country = "Testland"
    payment_method = "manual"
    subtotal = Decimal("19.99")
    shipping = Decimal("0.00")
    total = factory.LazyAttribute(lambda order: order.subtotal + order.shipping)


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    variant = factory.LazyAttribute(lambda line: variant_of(line.product))
    title = factory.LazyAttribute(lambda line: line.product.title)
    sku = factory.LazyAttribute(lambda line: line.variant.sku)
    size = factory.LazyAttribute(lambda line: line.variant.size)
    unit_price = factory.LazyAttribute(lambda line: line.product.price)
    quantity = 1
    line_total = factory.LazyAttribute(lambda line: line.unit_price * line.quantity)
