from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html

from ml.tasks import task_enqueue
from shop.models import Category, CustomerProfile, Interaction, Order, OrderLine, OrderStatusChange, Product
from shop.services.catalog import category_save
from shop.services.orders import TransitionNotAllowed, order_status_change


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

    def save_model(self, request, obj, form, change) -> None:
        category_save(category=obj)

    @admin.display(description="Category", ordering="path")
    def indented_name(self, category: Category) -> str:
        return format_html(
            '<span style="padding-left:{}em">{}{}</span>',
            1.5 * category.depth,
            "└ " if category.depth else "",
            category.name,
        )

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

    @admin.action(description="Make selected products visible to shoppers", permissions=["change"])
    def activate(self, request, queryset) -> None:
        updated = queryset.update(is_active=True)
        self.message_user(request, f"{updated} products are now active.")

    @admin.action(description="Hide selected products from shoppers", permissions=["change"])
    def deactivate(self, request, queryset) -> None:
        updated = queryset.update(is_active=False)
        self.message_user(request, f"{updated} products are now hidden.")

    @admin.action(description="Re-embed selected products for search (text and pictures)", permissions=["change"])
    def embed(self, request, queryset) -> None:
        from search.tasks import products_embed_task

        ids = list(queryset.values_list("pk", flat=True))
        catch_up = "run `manage.py embed_products --stale` to embed them"
        if not task_enqueue(task=products_embed_task, args=[ids], catch_up=catch_up):
            self.message_user(request, f"The task queue does not answer: {catch_up}.", messages.ERROR)
            return
        self.message_user(
            request, f"{len(ids)} products queued for embedding on the ml queue; unchanged ones are skipped."
        )


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


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ("product", "title", "sku", "unit_price", "quantity", "line_total")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OrderStatusChangeInline(admin.TabularInline):
    model = OrderStatusChange
    fields = ("created_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def _transition_action(to_status: str, description: str):
    def action(modeladmin, request, queryset) -> None:
        moved, refused = 0, []
        for order in queryset.order_by("pk"):
            try:
                order_status_change(order=order, to_status=to_status, by=request.user, note="In admin")
                moved += 1
            except TransitionNotAllowed as error:
                refused.append(str(error))
        if moved:
            modeladmin.message_user(request, f"{moved} order{'s' if moved != 1 else ''} marked {to_status}.")
        for message in refused:
            modeladmin.message_user(request, message, level=messages.WARNING)

    action.__name__ = f"mark_{to_status}"
    # Moving an order along is changing it: staff who may only look at orders are not offered these.
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders are moved along by the actions, which record the history and return stock on cancelling."""

    list_display = ("number", "created_at", "user", "email", "full_name", "status", "total", "payment_method")
    list_filter = ("status", "payment_method", "created_at")
    search_fields = ("number", "user__username", "user__email", "email", "full_name")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    inlines = (OrderLineInline, OrderStatusChangeInline)
    actions = (
        _transition_action("paid", "Mark selected orders paid"),
        _transition_action("shipped", "Mark selected orders shipped"),
        _transition_action("delivered", "Mark selected orders delivered"),
        _transition_action("cancelled", "Cancel selected orders (returns their stock)"),
    )
    fieldsets = (
        (None, {"fields": ("number", "user", "status", "created_at")}),
        (
            "Shipping",
            {
                "fields": (
                    "full_name",
                    "email",
                    "phone",
                    "address_line1",
                    "address_line2",
                    "postal_code",
                    "city",
                    "country",
                )
            },
        ),
        ("Payment", {"fields": ("payment_method", "payment_reference", "subtotal", "shipping", "total")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # Status moves only through the actions; lines and prices are as bought.
        return [field.name for field in Order._meta.fields if field.name != "id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
