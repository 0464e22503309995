from decimal import Decimal

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from ml.colour import DIMENSIONS as COLOUR_SIGNATURE_DIMENSIONS

TEXT_VECTOR_DIMENSIONS = 384
IMAGE_VECTOR_DIMENSIONS = 512


class Category(models.Model):
    """A node of the catalog tree.

    `path` (slugs joined by "/") makes a subtree one indexed prefix query; it is never edited
    by hand. Save through `shop.services.catalog.category_save`, which keeps the subtree's paths
    and its products' category names true.
    """

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveIntegerField(default=0, help_text="Order among its siblings.")
    path = models.CharField(max_length=600, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"
        indexes = [models.Index(fields=["path"], name="category_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Derive this node's `path` and `depth` from its parent; `category_save` carries a change down the subtree."""
        # A loop in the tree would make every walk up it (names_path, ancestors) endless, whoever saves.
        self.clean()
        self.path = f"{self.parent.path}/{self.slug}" if self.parent else self.slug
        self.depth = self.parent.depth + 1 if self.parent else 0
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("shop:category", kwargs={"slug": self.slug})

    def clean(self) -> None:
        ancestor = self.parent
        while ancestor is not None:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError(
                    {"parent": "A category cannot be placed under itself or one of its subcategories."}
                )
            ancestor = ancestor.parent

    @property
    def names_path(self) -> str:
        """ "Electronics › Audio › Headphones": what products of this category are searchable by."""
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " › ".join(reversed(names))


class Product(models.Model):
    class Colour(models.TextChoices):
        BLACK = "black"
        WHITE = "white"
        GREY = "grey"
        SILVER = "silver"
        RED = "red"
        ORANGE = "orange"
        YELLOW = "yellow"
        GREEN = "green"
        BLUE = "blue"
        NAVY = "navy"
        PURPLE = "purple"
        PINK = "pink"
        BROWN = "brown"
        BEIGE = "beige"
        GOLD = "gold"
        MULTICOLOUR = "multicolour"

    class Material(models.TextChoices):
        COTTON = "cotton"
        POLYESTER = "polyester"
        WOOL = "wool"
        LINEN = "linen"
        SILK = "silk"
        DENIM = "denim"
        LEATHER = "leather"
        NYLON = "nylon"
        RUBBER = "rubber"
        PLASTIC = "plastic"
        METAL = "metal"
        ALUMINIUM = "aluminium"
        STEEL = "stainless steel"
        WOOD = "wood"
        BAMBOO = "bamboo"
        GLASS = "glass"
        CERAMIC = "ceramic"
        PAPER = "paper"

    class AgeGroup(models.TextChoices):
        ALL = "all", "All ages"
        ADULT = "adult", "Adults"
        TEEN = "teen", "Teens"
        KIDS = "kids", "Kids"
        BABY = "baby", "Babies"

    sku = models.CharField("SKU", max_length=32, unique=True)
    slug = models.SlugField(max_length=220, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField()
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    brand = models.CharField(max_length=80, db_index=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))])
    # The sum of the variants' stock, kept by shop.services.stock (the one writer of stock), so that
    # listings, search facets and recommendations filter "in stock" on the product row alone.
    stock = models.PositiveIntegerField(
        default=0, editable=False, help_text="Units in stock over all its sizes (the variants' sum)."
    )
    colour = models.CharField(max_length=20, choices=Colour.choices, blank=True)
    material = models.CharField(max_length=20, choices=Material.choices, blank=True)
    size = models.CharField(
        max_length=40,
        blank=True,
        help_text='As printed on the label, or the range its variants come in: "15-inch", "XS–XL". Sizes to buy are variants.',
    )
    age_group = models.CharField(max_length=10, choices=AgeGroup.choices, default=AgeGroup.ALL)
    is_active = models.BooleanField("active", default=True, help_text="Inactive products are hidden from shoppers.")
    image = models.ImageField(upload_to="products/%Y/%m/", blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Kept by reviews.services.product_ratings_refresh from published reviews.
    rating_average = models.FloatField(null=True, blank=True, editable=False)
    review_count = models.PositiveIntegerField(default=0, editable=False)

    # Search: a stored full-text document, and the vectors of the encoders named by
    # `*_encoder`; a vector whose encoder is not the configured one is never searched.
    category_names = models.CharField(max_length=400, blank=True, editable=False)
    search_document = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("brand", "category_names", weight="B", config="english")
        + SearchVector("colour", "material", "size", weight="C", config="english")
        + SearchVector("description", weight="D", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    text_embedding = VectorField(dimensions=TEXT_VECTOR_DIMENSIONS, null=True, blank=True, editable=False)
    text_encoder = models.CharField(max_length=200, blank=True, editable=False)
    text_hash = models.CharField(max_length=64, blank=True, editable=False)
    image_embedding = VectorField(dimensions=IMAGE_VECTOR_DIMENSIONS, null=True, blank=True, editable=False)
    # The picture in the text encoder's space, made by an image tower the shop trained (search.models):
    # a second field, as CLIP's own 512-d vectors stay for installs that use CLIP as it comes.
    image_aligned_embedding = VectorField(dimensions=TEXT_VECTOR_DIMENSIONS, null=True, blank=True, editable=False)
    image_encoder = models.CharField(max_length=200, blank=True, editable=False)
    image_hash = models.CharField(max_length=64, blank=True, editable=False)
    # What colour the pictured thing is (ml.colour): photo search re-ranks the image encoder's nearest by it.
    picture_colour = VectorField(dimensions=COLOUR_SIGNATURE_DIMENSIONS, null=True, blank=True, editable=False)
    # The picture the signature was made from (image_hash is the one the image vector was made from).
    picture_colour_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["category", "is_active"]),
            models.Index(fields=["is_active", "-created_at"]),
            models.Index(fields=["brand", "is_active"], name="product_brand_active"),
            # Filters of search and browsing; they also keep an exact vector scan of a narrow filter cheap.
            models.Index(fields=["price"], name="product_price"),
            models.Index(fields=["colour"], name="product_colour"),
            models.Index(fields=["age_group"], name="product_age_group"),
            models.Index(fields=["rating_average"], name="product_rating"),
            GinIndex(fields=["search_document"], name="product_search_document"),
            HnswIndex(
                name="product_text_hnsw",
                fields=["text_embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            HnswIndex(
                name="product_image_hnsw",
                fields=["image_embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            HnswIndex(
                name="product_image_aligned_hnsw",
                fields=["image_aligned_embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.category_names = self.category.names_path
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("shop:product", kwargs={"slug": self.slug})

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class ProductVariant(models.Model):
    """One version of a product a shopper buys: a size (and a colour where the catalog groups colours),
    with its own SKU and stock.

    Every product has at least one; a product sold in one version only has a single variant with no
    size. Stock changes only through `shop.services.stock`, which keeps `Product.stock` the sum.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=40, unique=True)
    size = models.CharField(max_length=40, blank=True, help_text='"M", "42", "4-5Y"; empty when there is one version.')
    colour = models.CharField(
        max_length=20,
        choices=Product.Colour.choices,
        blank=True,
        help_text="Only where one product comes in several colours; empty means the product's colour.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the size picker: XS before S.")
    stock = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "colour", "size"], name="variant_one_per_colour_and_size"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="variant_stock_not_negative"),
        ]
        # "Products sold in a size" (shop.selectors.product_size_q, search's size boost) looks variants up by
        # size; without it every sized search scanned them all (9 ms of 172,000 at 100,000 products).
        indexes = [models.Index(fields=["size", "product"], name="variant_size_product")]

    def __str__(self) -> str:
        return self.sku

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def label(self) -> str:
        """What tells this variant from its siblings: "M", "Navy, M"; empty for a product's only version."""
        return ", ".join(part for part in (self.get_colour_display() if self.colour else "", self.size) if part)

    @property
    def display_name(self) -> str:
        """The product's title with the variant's label: "Trail Boots – Brown (size 42)"."""
        if not self.label:
            return self.product.title
        return f"{self.product.title} ({'size ' if not self.colour else ''}{self.label})"
