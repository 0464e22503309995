from django.contrib import admin
from django.db import transaction
from django.db.models import Count
from django.utils.html import format_html

from shop.models import Category, CustomerProfile, Interaction, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("indented_name", "slug", "path", "product_count", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug", "path")
    list_filter = ("depth",)
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth")
    list_per_page = 200

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_total=Count("products"))

    @admin.display(description="Category", ordering="path")
    def indented_name(self, category: Category) -> str:
        return format_html('<span style="padding-left:{}em">{}{}</span>', 1.5 * category.depth, "└ " if category.depth else "", category.name)

    @admin.display(description="Products", ordering="product_total")
    def product_count(self, category: Category) -> int:
        return category.product_total


class StockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("out", "Out of stock"), ("low", "Low (1–5)"), ("in", "In stock")]

    def queryset(self, request, queryset):
        return {
            "out": lambda: queryset.filter(stock=0),
            "low": lambda: queryset.filter(stock__gte=1, stock__lte=5),
            "in": lambda: queryset.filter(stock__gt=0),
        }.get(self.value(), lambda: queryset)()


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "title", "sku", "category", "brand", "price", "stock", "is_active", "updated_at")
    list_display_links = ("thumbnail", "title")
    list_editable = ("price", "stock", "is_active")
    list_filter = ("is_active", StockFilter, "age_group", "colour", ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "sku", "brand", "description")
    autocomplete_fields = ("category",)
    list_select_related = ("category",)
    readonly_fields = ("image_preview", "created_at", "updated_at")
    prepopulated_fields = {"slug": ("title",)}
    actions = ("activate", "deactivate", "embed")
    fieldsets = (
        (None, {"fields": ("title", "slug", "sku", "category", "brand", "description", "is_active")}),
        ("Price and stock", {"fields": ("price", "stock")}),
        ("Attributes", {"fields": ("colour", "material", "size", "age_group")}),
        ("Image", {"fields": ("image", "image_preview")}),
        ("Times", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="")
    def thumbnail(self, product: Product) -> str:
        if not product.image:
            return "—"
        return format_html('<img src="{}" alt="" style="width:48px;height:48px;border-radius:6px">', product.image.url)

    @admin.display(description="Preview")
    def image_preview(self, product: Product) -> str:
        if not product.image:
            return "No image yet."
        return format_html('<img src="{}" alt="" style="max-width:256px;border-radius:8px">', product.image.url)

    @admin.action(description="Make selected products visible to shoppers")
    def activate(self, request, queryset) -> None:
        updated = queryset.update(is_active=True)
        self.message_user(request, f"{updated} products are now active.")

    @admin.action(description="Hide selected products from shoppers")
    def deactivate(self, request, queryset) -> None:
        updated = queryset.update(is_active=False)
        self.message_user(request, f"{updated} products are now hidden.")

    @admin.action(description="Re-embed selected products for search (text and pictures)")
    def embed(self, request, queryset) -> None:
        from ml.tasks import products_embed_task

        ids = list(queryset.values_list("pk", flat=True))
        transaction.on_commit(lambda: products_embed_task.delay(ids))
        self.message_user(request, f"{len(ids)} products queued for embedding on the ml queue; unchanged ones are skipped.")


@admin.register(CustomerProfile)
class CustomerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "onboarding_completed", "created_at")
    list_filter = ("onboarding_completed",)
    search_fields = ("user__username", "user__email")
    autocomplete_fields = ("user",)
    filter_horizontal = ("preferred_categories",)


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    """Read-only: events are the recommender's history and are never edited."""

    list_display = ("created_at", "kind", "product", "user", "session_key", "value", "quantity")
    list_filter = ("kind", "created_at")
    search_fields = ("user__username", "product__title", "product__sku", "session_key")
    list_select_related = ("user", "product")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
