from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from ml.admin import QueueNoticeMixin
from reviews.models import Review, ReviewSummary
from reviews.services import review_change_propagate, reviews_publish_set
from reviews.summaries import summaries_generate, summary_enqueue


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("short_title", "product_title", "author_name", "rating", "verified", "published", "created_at")
    list_filter = ("is_published", "rating", "verified_purchase", "created_at")
    search_fields = ("title", "body", "product__title", "product__sku", "author__username")
    list_select_related = ("product", "author")
    autocomplete_fields = ("product", "author")
    date_hierarchy = "created_at"
    actions = ("publish", "unpublish")

    @admin.display(description="Title", ordering="title")
    def short_title(self, review: Review) -> str:
        return Truncator(review.title).chars(40)

    @admin.display(description="Product", ordering="product__title")
    def product_title(self, review: Review) -> str:
        return Truncator(review.product.title).chars(36)

    @admin.display(description="Author", ordering="author__username")
    def author_name(self, review: Review) -> str:
        return Truncator(review.author.username).chars(20)

    @admin.display(description="Verified", boolean=True, ordering="verified_purchase")
    def verified(self, review: Review) -> bool:
        return review.verified_purchase

    @admin.display(description="Shown", boolean=True, ordering="is_published")
    def published(self, review: Review) -> bool:
        return review.is_published

    @admin.action(description="Publish selected reviews", permissions=["change"])
    def publish(self, request, queryset) -> None:
        updated = reviews_publish_set(reviews=queryset, published=True)
        self.message_user(request, f"{updated} reviews published; their products' summaries will be rebuilt.")

    @admin.action(description="Unpublish selected reviews (hide them from shoppers)", permissions=["change"])
    def unpublish(self, request, queryset) -> None:
        updated = reviews_publish_set(reviews=queryset, published=False)
        self.message_user(request, f"{updated} reviews unpublished; their products' summaries will be rebuilt.")

    def save_model(self, request, obj, form, change) -> None:
        """Edits in admin (moderation included) go through the same rules as the product's ratings and summary."""
        super().save_model(request, obj, form, change)
        review_change_propagate(product_ids=[obj.product_id])


@admin.register(ReviewSummary)
class ReviewSummaryAdmin(QueueNoticeMixin, admin.ModelAdmin):
    list_display = ("product_title", "reviews", "has_text", "stale", "llm", "generated_at", "failed")
    list_filter = ("is_stale", "model_name", ("error_at", admin.EmptyFieldListFilter))
    search_fields = ("product__title", "product__sku", "text", "error")
    list_select_related = ("product",)
    # Aspects are read as a table and the evidence as sentences; the raw JSON fields are left out.
    exclude = ("aspects", "evidence")
    readonly_fields = [
        field.name for field in ReviewSummary._meta.fields if field.name not in ("aspects", "evidence")
    ] + [
        "aspects_table",
        "supporting_sentences",
    ]
    actions = ("regenerate_now", "regenerate_queued")

    @admin.display(description="supporting review sentences")
    def supporting_sentences(self, summary: ReviewSummary) -> str:
        """Each sentence of the summary with the review sentences that support it (escaped: review text is user text)."""
        if not summary.evidence:
            return "—"
        return format_html_join(
            "",
            "<div><p><strong>{}</strong></p><ul>{}</ul></div>",
            (
                (
                    entry.get("sentence", ""),
                    format_html_join(
                        "",
                        "<li>review {} ({}): {}</li>",
                        (
                            (support["review_id"], f"{support['similarity']:.2f}", support["text"])
                            for support in entry.get("supports", [])
                        ),
                    )
                    or format_html("<li>{}</li>", entry.get("basis") or "no supporting sentence"),
                )
                for entry in summary.evidence
            ),
        )

    @admin.display(description="Product", ordering="product__title")
    def product_title(self, summary: ReviewSummary) -> str:
        return Truncator(summary.product.title).chars(36)

    @admin.display(description="Reviews", ordering="review_count")
    def reviews(self, summary: ReviewSummary) -> int:
        return summary.review_count

    @admin.display(boolean=True, description="Text")
    def has_text(self, summary: ReviewSummary) -> bool:
        return bool(summary.text)

    @admin.display(boolean=True, description="Stale", ordering="is_stale")
    def stale(self, summary: ReviewSummary) -> bool:
        return summary.is_stale

    @admin.display(description="LLM", ordering="model_name")
    def llm(self, summary: ReviewSummary) -> str:
        return Truncator(summary.model_name).chars(24)

    @admin.display(description="Last error", ordering="error_at")
    def failed(self, summary: ReviewSummary) -> str:
        return naturaltime(summary.error_at) if summary.error_at else "—"

    @admin.display(description="Aspects")
    def aspects_table(self, summary: ReviewSummary) -> str:
        if not summary.aspects:
            return "No aspects yet."
        return render_to_string("admin/reviews/_aspects_table.html", {"aspects": summary.aspects})

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Summarise now (skips products whose reviews did not change)", permissions=["change"])
    def regenerate_now(self, request, queryset) -> None:
        report = summaries_generate(product_ids=queryset.values_list("product_id", flat=True))
        self.message_user(
            request,
            f"{report.generated} summarised ({report.fell_back} by the extractive fallback), {report.aspects_only} aspects only, "
            f"{report.unchanged} unchanged, {report.too_few_reviews} with too few reviews.",
        )
        for product_id, error in report.failed.items():
            self.message_user(request, f"Product {product_id}: the LLM gave no answer ({error}).", level=messages.ERROR)

    @admin.action(
        description="Queue on the ml workers (skips products whose reviews did not change)", permissions=["change"]
    )
    def regenerate_queued(self, request, queryset) -> None:
        queued = sum(
            summary_enqueue(product_id=product_id) for product_id in queryset.values_list("product_id", flat=True)
        )
        self.message_user(request, f"{queued} products queued (others were queued already or no worker runs).")
