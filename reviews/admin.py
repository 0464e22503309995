from django.contrib import admin

from reviews.models import Review


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("product", "author", "rating", "title", "verified_purchase", "is_published", "created_at")
    list_filter = ("is_published", "rating", "verified_purchase", "created_at")
    search_fields = ("title", "body", "product__title", "product__sku", "author__username")
    list_select_related = ("product", "author")
    autocomplete_fields = ("product", "author")
    date_hierarchy = "created_at"
    actions = ("publish", "unpublish")

    @admin.action(description="Publish selected reviews")
    def publish(self, request, queryset) -> None:
        updated = queryset.update(is_published=True)
        self.message_user(request, f"{updated} reviews published.")

    @admin.action(description="Unpublish selected reviews (hide them from shoppers)")
    def unpublish(self, request, queryset) -> None:
        updated = queryset.update(is_published=False)
        self.message_user(request, f"{updated} reviews unpublished.")
