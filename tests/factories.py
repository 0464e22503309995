from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from reviews.models import Review
from shop.models import Category, Product


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
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"TEST-{n:06d}")
    slug = factory.Sequence(lambda n: f"test-product-{n}")
    title = factory.Sequence(lambda n: f"Test Product {n}")
    description = "A product made for a test. It has two sentences."
    category = factory.SubFactory(CategoryFactory)
    brand = "Testbrand"
    price = Decimal("19.99")
    stock = 10
    colour = Product.Colour.BLUE


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    product = factory.SubFactory(ProductFactory)
    author = factory.SubFactory(UserFactory)
    rating = 4
    title = "Does the job"
    body = "Works as described and arrived quickly."
