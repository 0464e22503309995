import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ml.llm import LLMUnavailable
from reviews.evaluation import evaluation_products, summaries_evaluate


class Command(BaseCommand):
    help = (
        "Measure review summaries with the configured LLM backend: validation, aspect agreement, speed. Stores nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--limit", type=int, help="At most this many products, spread evenly (default: all with enough reviews)."
        )
        which.add_argument("--product", type=int, action="append", metavar="ID", help="Only this product (repeatable).")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the figures as JSON.")

    def handle(
        self, *args, limit: int | None, product: list[int] | None, as_json: bool, verbosity: int, **options
    ) -> None:
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        products = evaluation_products(limit=limit, product_ids=product)
        if not products.exists():
            raise CommandError("No product has enough reviews to summarise; load the demo data (manage.py seed_demo).")
        with tqdm(
            total=products.count(), unit="product", disable=verbosity == 0 or as_json, file=self.stderr._out
        ) as bar:
            try:
                result = summaries_evaluate(products=products, progress=bar.update)
            except LLMUnavailable as error:
                raise CommandError(str(error)) from error
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        reasons = ", ".join(f"{reason} {count}" for reason, count in result.failure_reasons.items()) or "none"
        self.stdout.write(
            "\n".join(
                (
                    f"backend {result.backend}, model {result.model}, {result.products} products",
                    f"summaries passing validation: {result.passed_first_try:.1%} first try, {result.passed_after_retry:.1%} after one retry",
                    f"aspects agreeing with the mean rating of their reviews: {result.aspects_agreeing:.1%} of {result.aspects}",
                    f"speed: {result.tokens_per_second:.1f} tokens/s, {result.seconds_per_summary:.2f} s per summary "
                    f"(retries included; {result.wall_seconds:.0f} s in all)",
                    f"first-try failures: {reasons}; LLM errors: {result.llm_errors}",
                )
            )
        )
