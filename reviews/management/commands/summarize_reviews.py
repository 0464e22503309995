import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ml.llm import LLMUnavailable
from reviews.summaries import summaries_generate, summaries_stale_ids, summary_enqueue
from shop.models import Product


class Command(BaseCommand):
    help = "Summarise product reviews with the configured LLM; products whose reviews did not change are skipped."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--product", type=int, action="append", metavar="ID", help="This product (repeatable).")
        which.add_argument("--stale", action="store_true", help="Products without a current summary (the default).")
        which.add_argument("--all", action="store_true", help="Every product with enough reviews.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the summaries and aspects as JSON."
        )
        parser.add_argument(
            "--queue", action="store_true", help="Queue the products on the ml workers instead of summarising here."
        )

    def handle(
        self,
        *args,
        product: list[int] | None,
        stale: bool,
        all: bool,
        as_json: bool,
        queue: bool,
        verbosity: int,
        **options,
    ) -> None:
        if product:
            found = set(Product.objects.filter(pk__in=product).values_list("pk", flat=True))
            missing = sorted(set(product) - found)
            if missing:
                raise CommandError(f"No product with id {', '.join(map(str, missing))}.")
            ids = sorted(found)
        elif all:
            minimum = settings.REVIEW_SUMMARIES["MIN_REVIEWS"]
            ids = list(Product.objects.filter(review_count__gte=minimum).order_by("pk").values_list("pk", flat=True))
        else:
            ids = summaries_stale_ids()
        if queue:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise CommandError("No worker to queue on (no Redis answers); run without --queue to summarise here.")
            queued = sum(summary_enqueue(product_id=product_id) for product_id in ids)
            self.stdout.write(
                f"Queued {queued:,} of {len(ids):,} products on the ml workers (the rest were queued already)."
            )
            return
        with tqdm(total=len(ids), unit="product", disable=verbosity == 0, file=self.stderr._out) as bar:
            try:
                report = summaries_generate(product_ids=ids, progress=bar.update)
            except LLMUnavailable as error:
                raise CommandError(str(error)) from error
        if as_json:
            self.stdout.write(
                json.dumps(
                    [
                        {
                            "product_id": summary.product_id,
                            "product": summary.product.title,
                            "summary": summary.text,
                            "note": summary.note,
                            "review_count": summary.review_count,
                            "model": summary.model_name,
                            "aspects": [
                                {
                                    key: aspect[key]
                                    for key in ("name", "sentiment", "share", "mentions", "mean_rating", "quote")
                                }
                                for aspect in summary.aspects
                            ],
                        }
                        for summary in report.summaries
                    ],
                    indent=2,
                    ensure_ascii=False,
                )
            )
        self.stderr.write(
            f"Summarised {report.generated:,} ({report.fell_back:,} by the extractive fallback), aspects only {report.aspects_only:,}, "
            f"unchanged {report.unchanged:,}, too few reviews {report.too_few_reviews:,}, LLM failures {len(report.failed):,}."
        )
        if report.failed:
            first_id, first_error = next(iter(report.failed.items()))
            raise CommandError(
                f"The LLM gave no answer for {len(report.failed)} products (product {first_id}: {first_error})."
            )
