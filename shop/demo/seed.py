"""Writes the demo shop: categories, products with pictures, shoppers, their history, real reviews.

Idempotent: every row has a natural key (category slug, SKU, username, one review per
author and product), rows that exist are left alone, and a shopper's history is written
only when the shopper is. Everything is written in one transaction.
"""

import datetime
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from ml.datasets import DatasetUnavailable
from reviews.models import Review
from reviews.services import product_ratings_refresh
from search.embedding import products_embed, products_stale
from search.image_encoders import live_image_encoder_status
from shop.demo.catalog import ProductSpec, catalog_specs_build, category_tree_spec, leaf_key
from shop.demo.catalog_spec import WOMENS_CLOTHING
from shop.demo.clothing import ClothingItem, clothing_dataset_path, clothing_items_build
from shop.demo.images import product_image_draw
from shop.demo.shoppers import DEMO_USERNAME, ShopperTaste, interactions_simulate, shopper_tastes_build
from shop.demo.sizes import variants_ensure
from shop.models import Category, CustomerProfile, Interaction, Product
from shop.services.catalog import category_save

DEMO_PASSWORD = "demo-shopper"
STAFF_USERNAME = "staff"
STAFF_PASSWORD = "demo-staff"
BATCH = 2000
MAX_PRODUCTS = 1_000_000
MAX_USERS = 200_000

Progress = Callable[..., Iterable]


def _no_progress(iterable: Iterable, **_: object) -> Iterable:
    return iterable


@dataclass
class SeedReport:
    products_created: int = 0
    products_sized: int = 0
    shoppers_created: int = 0
    interactions_created: int = 0
    reviews_created: int = 0
    clothing_note: str = ""
    embed_note: str = ""
    tastes: list[ShopperTaste] = field(default_factory=list)
    category_ids: dict[str, int] = field(default_factory=dict)


def demo_seed_validate(*, products: int, users: int) -> None:
    if not 1 <= products <= MAX_PRODUCTS:
        raise ValueError(f"--products must be between 1 and {MAX_PRODUCTS:,}; got {products}.")
    if not 1 <= users <= MAX_USERS:
        raise ValueError(f"--users must be between 1 and {MAX_USERS:,}; got {users}.")


def categories_ensure(*, clothing_leaves: list[str]) -> dict[str, int]:
    """Create the category tree (leaf key → id); slugs that clash get their department's prefix."""
    nodes = category_tree_spec()
    if clothing_leaves:
        department_key = leaf_key(department=WOMENS_CLOTHING.name, group="", leaf="")
        nodes.append((department_key, WOMENS_CLOTHING.name, None))
        nodes += [
            (leaf_key(department=WOMENS_CLOTHING.name, group="", leaf=name), name, department_key)
            for name in clothing_leaves
        ]
    ids: dict[str, int] = {}
    used_slugs: set[str] = set()
    for position, (key, name, parent_key) in enumerate(nodes):
        slug = slugify(name)
        if slug in used_slugs:
            slug = f"{key.split('/', 1)[0]}-{slug}"
        used_slugs.add(slug)
        category = Category.objects.filter(slug=slug).first()
        if category is None:
            category = Category(slug=slug, name=name, position=position)
            category.parent_id = ids[parent_key] if parent_key else None
            category_save(category=category)
        ids[key] = category.pk
    return ids


def products_ensure(
    *, specs: list[ProductSpec], category_ids: dict[str, int], progress: Progress, pictures: bool = True
) -> tuple[dict[str, int], set[str]]:
    """Insert the products that do not exist yet, each with its picture unless `pictures` is off (benchmarks);
    returns (SKU → id, SKUs created)."""
    existing = set(Product.objects.filter(sku__in=[s.sku for s in specs]).values_list("sku", flat=True))
    missing = [spec for spec in specs if spec.sku not in existing]
    category_names = {c.pk: c.names_path for c in Category.objects.select_related("parent__parent__parent")}
    now = timezone.now()
    batch: list[Product] = []
    for spec in progress(missing, desc="products", unit="product"):
        image = ""
        if pictures:
            image = f"products/demo/{spec.sku.lower()}.png"
            if default_storage.exists(image):
                default_storage.delete(image)
            png = product_image_draw(shape=spec.shape, colour=spec.colour, rng=random.Random(spec.sku))
            image = default_storage.save(image, ContentFile(png))
        batch.append(
            Product(
                sku=spec.sku,
                slug=spec.slug,
                title=spec.title,
                description=spec.description,
                category_id=category_ids[spec.leaf_key],
                category_names=category_names[category_ids[spec.leaf_key]],
                brand=spec.brand,
                price=spec.price,
                stock=spec.stock,
                colour=spec.colour,
                material=spec.material,
                size=spec.size,
                age_group=spec.age_group,
                image=image,
                created_at=now - datetime.timedelta(days=spec.days_old),
            )
        )
        if len(batch) >= BATCH:
            Product.objects.bulk_create(batch)
            batch = []
    Product.objects.bulk_create(batch)
    ids = dict(Product.objects.filter(sku__in=[s.sku for s in specs]).values_list("sku", "id"))
    return ids, {spec.sku for spec in missing}


def shoppers_ensure(*, tastes: list[ShopperTaste], category_ids: dict[str, int]) -> tuple[dict[str, int], list[int]]:
    """Create missing shoppers with profiles; returns (username → user id, indices of the new ones)."""
    User = get_user_model()
    usernames = [taste.username for taste in tastes]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    unusable = make_password(None)
    new_indices = [i for i, taste in enumerate(tastes) if taste.username not in existing]
    User.objects.bulk_create(
        [
            User(
                username=tastes[i].username,
                first_name=tastes[i].first_name,
                last_name=tastes[i].last_name,
                email=f"{tastes[i].username}@example.com",
                password=make_password(DEMO_PASSWORD) if tastes[i].username == DEMO_USERNAME else unusable,
            )
            for i in new_indices
        ],
        batch_size=BATCH,
    )
    user_ids = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    profiles = CustomerProfile.objects.bulk_create(
        [
            CustomerProfile(
                user_id=user_ids[tastes[i].username], onboarding_completed=bool(tastes[i].onboarding_leaf_keys)
            )
            for i in new_indices
        ],
        batch_size=BATCH,
    )
    preferred = CustomerProfile.preferred_categories.through
    preferred.objects.bulk_create(
        [
            preferred(customerprofile_id=profile.pk, category_id=category_ids[key])
            for profile, i in zip(profiles, new_indices)
            for key in tastes[i].onboarding_leaf_keys
            if key in category_ids
        ],
        batch_size=BATCH,
    )
    return user_ids, new_indices


def staff_ensure() -> None:
    User = get_user_model()
    if not User.objects.filter(username=STAFF_USERNAME).exists():
        User.objects.create_superuser(STAFF_USERNAME, f"{STAFF_USERNAME}@example.com", STAFF_PASSWORD)


def interactions_write(
    *,
    seed: int,
    tastes: list[ShopperTaste],
    specs: list[ProductSpec],
    shoppers: list[int],
    user_ids: dict[str, int],
    product_ids: dict[str, int],
    progress: Progress,
) -> int:
    now = timezone.now()
    events = interactions_simulate(seed=seed, tastes=tastes, specs=specs, shoppers=shoppers)
    events.sort(key=lambda event: -event.days_ago)
    rows = [
        Interaction(
            user_id=user_ids[tastes[event.shopper].username],
            product_id=product_ids[specs[event.product].sku],
            kind=event.kind,
            value=event.value,
            quantity=event.quantity,
            created_at=now - datetime.timedelta(days=event.days_ago),
        )
        for event in events
    ]
    for start in progress(range(0, len(rows), BATCH), desc="interactions", unit="batch"):
        Interaction.objects.bulk_create(rows[start : start + BATCH])
    return len(rows)


def clothing_reviews_write(
    *,
    seed: int,
    items: list[ClothingItem],
    tastes: list[ShopperTaste],
    user_ids: dict[str, int],
    product_ids: dict[str, int],
    progress: Progress,
) -> int:
    """Attach each new item's real reviews to distinct shoppers: fans of its category first, then of the department.

    The reviews are imported, not bought here, so they carry no verified-purchase badge
    and add no purchase to anyone's history; each is the author's rating of the product.
    """
    now = timezone.now()
    department = leaf_key(department=WOMENS_CLOTHING.name, group="", leaf="")
    department_fans = [t.username for t in tastes if any(k.startswith(department + "/") for k in t.leaf_keys)]
    reviews: list[Review] = []
    ratings: list[Interaction] = []
    for item in progress(items, desc="clothing reviews", unit="product"):
        rng = random.Random(f"{seed}:reviews:{item.spec.sku}")
        category_fans = [t.username for t in tastes if item.spec.leaf_key in t.leaf_keys]
        others = [username for username in department_fans if username not in set(category_fans)]
        authors = rng.sample(category_fans, k=len(category_fans)) + rng.sample(others, k=len(others))
        product_id = product_ids[item.spec.sku]
        for review, username in zip(item.reviews, authors):
            written = now - datetime.timedelta(days=rng.uniform(0.5, 360))
            reviews.append(
                Review(
                    product_id=product_id,
                    author_id=user_ids[username],
                    rating=review.rating,
                    title=review.title,
                    body=review.body,
                    created_at=written,
                )
            )
            ratings.append(
                Interaction(
                    user_id=user_ids[username],
                    product_id=product_id,
                    kind="rating",
                    value=review.rating,
                    created_at=written,
                )
            )
    Review.objects.bulk_create(reviews, batch_size=BATCH)
    Interaction.objects.bulk_create(ratings, batch_size=BATCH)
    product_ratings_refresh(product_ids=[product_ids[item.spec.sku] for item in items])
    return len(reviews)


def demo_seed(
    *,
    products: int,
    users: int,
    seed: int,
    with_clothing: bool = True,
    datasets_dir=None,
    clothing_wheel: str = "",
    embed: bool = True,
    pictures: bool = True,
    progress: Progress = _no_progress,
    log: Callable[[str], None] = lambda message: None,
) -> SeedReport:
    demo_seed_validate(products=products, users=users)
    report = SeedReport()
    items: list[ClothingItem] = []
    if with_clothing:
        try:
            path = clothing_dataset_path(datasets_dir=datasets_dir, wheel_requirement=clothing_wheel)
            items = clothing_items_build(dataset_path=path, seed=seed)
            report.clothing_note = (
                f"Women's clothing: {len(items)} products with {sum(len(i.reviews) for i in items):,} real reviews."
            )
        except (DatasetUnavailable, OSError) as error:
            report.clothing_note = f"Women's clothing skipped: the reviews data set could not be fetched ({error})."
        log(report.clothing_note)
    else:
        report.clothing_note = "Women's clothing skipped (--no-clothing)."

    specs = catalog_specs_build(seed=seed, count=products) + [item.spec for item in items]
    with transaction.atomic():
        report.category_ids = categories_ensure(clothing_leaves=sorted({item.leaf_name for item in items}))
        product_ids, created_skus = products_ensure(
            specs=specs, category_ids=report.category_ids, progress=progress, pictures=pictures
        )
        report.products_created = len(created_skus)
        report.products_sized = variants_ensure(specs=specs, product_ids=product_ids, created_skus=created_skus)
        report.tastes = shopper_tastes_build(seed=seed, count=users, specs=specs)
        user_ids, new_shoppers = shoppers_ensure(tastes=report.tastes, category_ids=report.category_ids)
        report.shoppers_created = len(new_shoppers)
        staff_ensure()
        report.interactions_created = interactions_write(
            seed=seed,
            tastes=report.tastes,
            specs=specs,
            shoppers=new_shoppers,
            user_ids=user_ids,
            product_ids=product_ids,
            progress=progress,
        )
        new_items = [item for item in items if item.spec.sku in created_skus]
        if new_items:
            report.reviews_created = clothing_reviews_write(
                seed=seed,
                items=new_items,
                tastes=report.tastes,
                user_ids=user_ids,
                product_ids=product_ids,
                progress=progress,
            )
            report.interactions_created += report.reviews_created
    if embed:
        report.embed_note = products_embed_stale(progress=progress)
    return report


def products_embed_stale(*, progress: Progress, chunk: int = 512) -> str:
    """Leave every product with current vectors, so search works as soon as seeding ends."""
    stale = list(products_stale().order_by("pk").values_list("pk", flat=True))
    texts = images = 0
    image_note = live_image_encoder_status()
    for start in progress(range(0, len(stale), chunk), desc="embedding", unit="batch"):
        report = products_embed(product_ids=stale[start : start + chunk])
        texts, images = texts + report.text_embedded, images + report.image_embedded
    note = f"Embedded the text of {texts:,} and the pictures of {images:,} products."
    return note + (f" Pictures are not embedded: {image_note}" if image_note else "")
