import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from shop.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_search_prints_the_ranked_products(demo_catalog):
    lines = run("search", "thin remote control", "--k", "3").strip().splitlines()
    assert len(lines) == 3
    assert all("Remote Controls" in line for line in lines)
    assert lines[0].lstrip().startswith("1.")


def test_search_prints_json_for_scripts(demo_catalog):
    data = json.loads(run("search", "hedphones", "--k", "5", "--json"))
    assert data["corrected"] == "headphones"
    assert [row["rank"] for row in data["results"]] == [1, 2, 3, 4, 5]
    assert {"id", "sku", "title", "category", "score"} <= set(data["results"][0])


@pytest.mark.parametrize(
    "args, message",
    [
        (("search",), "Give either a query"),
        (("search", "lamp", "--image", "x.png"), "Give either a query"),
        (("search", "lamp", "--k", "0"), "--k must be between 1 and 200"),
        (("search", "--image", "/nonexistent/photo.png"), "No file at"),
    ],
)
def test_search_arguments_are_checked(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_photo_search_without_an_image_encoder_says_why(tmp_path, settings):
    settings.IMAGE_ENCODER = {"MODEL": "ViT-B-32", "PRETRAINED": "/nonexistent/clip.pt"}
    photo = tmp_path / "photo.png"
    from PIL import Image

    Image.new("RGB", (40, 40), "red").save(photo)
    with pytest.raises(CommandError, match="has no '/nonexistent/clip.pt' weights"):
        run("search", "--image", str(photo))


def test_embed_products_embeds_the_stale_ones():
    product = ProductFactory.build(category=ProductFactory().category)
    Product.objects.bulk_create([product])
    assert "Embedded text of" in run("embed_products", "--stale")
    product.refresh_from_db()
    assert product.text_embedding is not None
    with pytest.raises(CommandError, match="--batch-size"):
        run("embed_products", "--batch-size", "0")


def test_evaluation_puts_hybrid_above_both_rankings(demo_catalog):
    report = json.loads(run("evaluate_search", "--json", "--photos", "5"))
    development = report["sets"]["development"]
    rankings = development["rankings"]
    assert development["queries"] >= 60
    assert set(rankings) == {"naive", "lexical", "semantic", "hybrid", "service"}
    assert rankings["hybrid"]["ndcg@10"] > rankings["lexical"]["ndcg@10"]
    assert rankings["hybrid"]["ndcg@10"] > rankings["semantic"]["ndcg@10"]
    # No image encoder trained in this catalog: photo search is reported as not measured, with what staff should do.
    assert "train_image_encoder" in report["photos"]["note"]


def test_evaluation_refuses_an_unknown_set():
    with pytest.raises(CommandError, match="invalid choice"):
        run("evaluate_search", "--set", "everything")
