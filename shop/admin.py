from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.text import Truncator

from ml.tasks import task_enqueue
from shop.models import (
    Category,
    CustomerProfile,
    Interaction,
    Order,
    OrderLine,
    OrderStatusChange,
    Product,
    ProductVariant,
)
from shop.services.catalog import category_save
from shop.services.orders import TransitionNotAllowed, order_status_change
from shop.services.stock import product_stock_refresh


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


class ProductVariantForm(forms.ModelForm):
    """A row of the sizes table: each cell named for screen readers, which do not take the column title as a label."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        row = self.instance.size or self.instance.sku or "new size"
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"{field.label} ({row})"


class ProductVariantFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            row = form.instance.size or form.instance.sku or "new size"
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Delete ({row})"


class ProductVariantInline(admin.TabularInline):
    """The sizes (and colours) a product is sold in, each with its SKU and stock; at least one."""

    model = ProductVariant
    form = ProductVariantForm
    formset = ProductVariantFormSet
    fields = ("position", "size", "colour", "sku", "stock")
    extra = 0
    min_num = 1
    validate_min = True


class ProductListForm(forms.ModelForm):
    """The list's editable cells: each named for screen readers, which do not take the column title as a label."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"{field.label} of {self.instance.title}"


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    # What fits a 1280 px screen beside the filters: brand, description and times are on the product's page.
    list_display = ("thumbnail", "short_title", "sku", "category_name", "price", "stock", "is_active")
    list_display_links = ("thumbnail", "short_title")
    # Stock lives on the variants (the inline); the list shows their total.
    list_editable = ("price", "is_active")
    list_filter = ("is_active", StockFilter, "age_group", "colour", ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "sku", "brand", "description")
    autocomplete_fields = ("category",)
    list_select_related = ("category",)
    readonly_fields = ("stock", "image_preview", "created_at", "updated_at")
    prepopulated_fields = {"slug": ("title",)}
    actions = ("activate", "deactivate", "embed")
    inlines = (ProductVariantInline,)
    fieldsets = (
        (None, {"fields": ("title", "slug", "sku", "category", "brand", "description", "is_active")}),
        ("Price and stock", {"fields": ("price", "stock")}),
        ("Attributes", {"fields": ("colour", "material", "size", "age_group")}),
        ("Image", {"fields": ("image", "image_preview")}),
        ("Times", {"fields": ("created_at", "updated_at")}),
    )

    def save_related(self, request, form, formsets, change) -> None:
        """The variants as staff set them, then the product's total recounted; save_model's update of the
        product row holds its lock, so no checkout changes these variants in between."""
        super().save_related(request, form, formsets, change)
        product_stock_refresh(product_ids=[form.instance.pk])

    @admin.display(description="")
    def thumbnail(self, product: Product) -> str:
        if not product.image:
            return "—"
        return format_html('<img src="{}" alt="" style="width:48px;height:48px;border-radius:6px">', product.image.url)

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=ProductListForm, **kwargs)

    @admin.display(description="Title", ordering="title")
    def short_title(self, product: Product) -> str:
        return Truncator(product.title).chars(48)

    @admin.display(description="Category", ordering="category__name")
    def category_name(self, product: Product) -> str:
        return Truncator(product.category.name).chars(24)

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


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ShopUserAdmin(UserAdmin):
    """Django's user admin, its list trimmed to fit a 1280 px screen beside its filters."""

    list_display = ("short_username", "short_email", "first_name", "last_name", "is_staff")

    @admin.display(description="Username", ordering="username")
    def short_username(self, user) -> str:
        return Truncator(user.username).chars(24)

    @admin.display(description="Email", ordering="email")
    def short_email(self, user) -> str:
        return Truncator(user.email).chars(32)


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

    list_display = ("created_at", "kind", "product_title", "user_name", "session", "value", "quantity")
    list_filter = ("kind", "created_at")
    search_fields = ("user__username", "product__title", "product__sku", "session_key")
    list_select_related = ("user", "product")
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description="Product", ordering="product__title")
    def product_title(self, interaction: Interaction) -> str:
        return Truncator(interaction.product.title).chars(40)

    @admin.display(description="User", ordering="user__username")
    def user_name(self, interaction: Interaction) -> str:
        return Truncator(interaction.user.username).chars(20) if interaction.user_id else "—"

    @admin.display(description="Session")
    def session(self, interaction: Interaction) -> str:
        # Enough of the key to tell visitors apart; the whole key is searchable.
        return Truncator(interaction.session_key).chars(9) if interaction.session_key else "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OrderRecordInline(admin.TabularInline):
    """Lines and history are records of the order: whoever may see the order sees them, nobody edits them."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("shop.view_order") or request.user.has_perm("shop.change_order")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OrderLineInline(OrderRecordInline):
    model = OrderLine
    fields = ("product", "title", "size", "colour", "sku", "unit_price", "quantity", "line_total")
    readonly_fields = fields


class OrderStatusChangeInline(OrderRecordInline):
    model = OrderStatusChange
    fields = ("created_at", "from_status", "to_status", "changed_by", "note")
    readonly_fields = fields


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


class OrderStatusForm(forms.ModelForm):
    """The order page's one editable field: the status, offered only where the order may go next."""

    status_note = forms.CharField(
        label="Note", required=False, max_length=200, help_text="Kept with the change in the order's status history."
    )

    class Meta:
        model = Order
        fields = ("status",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "status" in self.fields and self.instance.pk:
            now = self.instance.status
            self.fields["status"].choices = [(now, f"{Order.Status(now).label} (now)")] + [
                (status, Order.Status(status).label) for status in self.instance.next_statuses
            ]
            self.fields["status"].help_text = "Cancelling returns the lines' stock."


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders move along by the actions or the order page's status field; both call `order_status_change`,
    which records the history and returns stock on cancelling."""

    # The customer column is the order's name (guests have no account); emails are searchable.
    list_display = ("number", "created_at", "customer", "status", "total", "payment_method")
    list_filter = ("status", "payment_method", "created_at")
    search_fields = ("number", "user__username", "user__email", "email", "full_name")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    inlines = (OrderLineInline, OrderStatusChangeInline)
    form = OrderStatusForm
    actions = (
        _transition_action("paid", "Mark selected orders paid"),
        _transition_action("shipped", "Mark selected orders shipped"),
        _transition_action("delivered", "Mark selected orders delivered"),
        _transition_action("cancelled", "Cancel selected orders (returns their stock)"),
    )
    shipping_fields = (
        "full_name",
        "email",
        "phone",
        "address_line1",
        "address_line2",
        "postal_code",
        "city",
        "country",
    )

    @admin.display(description="Customer", ordering="full_name")
    def customer(self, order: Order) -> str:
        return Truncator(order.full_name).chars(28)

    def _status_editable(self, request, obj) -> bool:
        return obj is not None and bool(obj.next_statuses) and self.has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        status = ("status", "status_note") if self._status_editable(request, obj) else ("status",)
        return (
            (None, {"fields": ("number", *status, "total", "user", "created_at")}),
            ("Shipping", {"fields": self.shipping_fields}),
            ("Payment", {"fields": ("payment_method", "payment_reference", "subtotal", "shipping")}),
        )

    def get_readonly_fields(self, request, obj=None):
        # Lines and prices are as bought; the status moves only through `order_status_change`.
        editable = {"status"} if self._status_editable(request, obj) else set()
        return [field.name for field in Order._meta.fields if field.name != "id" and field.name not in editable]

    def save_model(self, request, obj, form, change) -> None:
        if "status" not in form.changed_data:
            return
        try:
            order_status_change(
                order=obj,
                to_status=form.cleaned_data["status"],
                by=request.user,
                note=form.cleaned_data.get("status_note") or "On the order page in admin",
            )
        except TransitionNotAllowed as error:
            # Someone moved the order on since the page was opened.
            self.message_user(request, str(error), messages.ERROR)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
