"""Reviewers appear under a public name: chosen, else "Anna K.", else "Shopper"; never their email or username."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from shop.models import CustomerProfile
from shop.services.accounts import user_create
from tests.factories import ProductFactory, ReviewFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _reviewed_product():
    product = ProductFactory()
    nameless = user_create(email="nameless.buyer@example.com", password="a-good-password-1")
    named = user_create(
        email="anna.kowalski@example.com", password="a-good-password-1", first_name="Anna", last_name="Kowalski"
    )
    chosen = user_create(email="trail.fan@example.com", password="a-good-password-1", first_name="Jo")
    CustomerProfile.objects.filter(user=chosen).update(public_name="Trail Runner")
    legacy = UserFactory(
        username="legacy-account-0012"
    )  # no profile, no names: an account from before sign-up made one
    for author in (nameless, named, chosen, legacy):
        ReviewFactory(product=product, author=author)
    return product, [nameless, named, chosen, legacy]


def _assert_private(text: str, authors) -> None:
    for author in authors:
        assert author.email not in text and author.username not in text


def test_reviewers_emails_and_usernames_never_appear_on_the_product_page_or_in_the_api(client):
    product, authors = _reviewed_product()
    assert authors[0].username == "nameless.buyer@example.com", "sign-up makes the email the username"
    page = client.get(product.get_absolute_url()).content.decode()
    fragment = client.get(reverse("reviews:list", args=[product.pk]), **HTMX).content.decode()
    api = APIClient().get(reverse("reviews:api-list", args=[product.pk]))
    for text in (page, fragment, api.content.decode()):
        _assert_private(text, authors)
    assert "Anna K." in page and "Trail Runner" in page and page.count("Shopper ·") == 2
    assert sorted(review["author"] for review in api.json()["results"]) == [
        "Anna K.",
        "Shopper",
        "Shopper",
        "Trail Runner",
    ]


def test_shoppers_choose_their_public_name_on_the_account_page(client):
    product = ProductFactory()
    shopper = user_create(email="pat.lee@example.com", password="a-good-password-1", first_name="Pat")
    ReviewFactory(product=product, author=shopper)
    client.force_login(shopper)
    assert "Your reviews appear as “Pat”" in client.get(reverse("shop:account")).content.decode()
    form = {"first_name": "Pat", "last_name": "Lee", "email": "pat.lee@example.com"}
    refused = client.post(reverse("shop:account"), {**form, "public_name": "pat.lee@example.com"})
    assert "cannot contain “@”" in refused.content.decode()
    assert client.post(reverse("shop:account"), {**form, "public_name": "  Hiker Pat "}).status_code == 302
    client.logout()
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Hiker Pat" in page and "pat.lee@example.com" not in page


def test_the_migration_names_existing_shoppers_from_their_names_never_their_email():
    migration = importlib.import_module("shop.migrations.0005_customer_public_name")
    named = UserFactory(username="ben@example.com", email="ben@example.com", first_name="Ben", last_name="okafor")
    email_as_name = UserFactory(username="x@example.com", email="x@example.com", first_name="x@example.com")
    kept = UserFactory(first_name="Vera", last_name="Novak")
    for user in (named, email_as_name, kept):
        CustomerProfile.objects.create(user=user)
    CustomerProfile.objects.filter(user=kept).update(public_name="Vera the Reader")
    migration.public_names_fill(apps, None)
    names = dict(
        CustomerProfile.objects.filter(user__in=[named, email_as_name, kept]).values_list(
            "user__username", "public_name"
        )
    )
    assert names == {"ben@example.com": "Ben O.", "x@example.com": "", kept.username: "Vera the Reader"}
