import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ml.llm import LLMUnavailable
from reviews.evaluation import evaluation_products
from reviews.faithfulness import faithfulness_candidates_build, faithfulness_candidates_text


class Command(BaseCommand):
    help = (
        "Write what a person reads to label the faithfulness set: for women's clothing products, their reviews, "
        "aspects with the sentences that mention them, and the sentences of the LLM's raw answer (before grounding) "
        "and of the extractive summary. The check's verdicts are left out, so the reader labels blind. Stores nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=30, help="Products, spread evenly (default 30).")
        parser.add_argument("--max-reviews", type=int, default=40, help="Skip products with more reviews than this.")
        parser.add_argument("--out", required=True, help="Path of the JSON; a .txt beside it is the reading copy.")
        parser.add_argument(
            "--product", type=int, action="append", metavar="ID", help="Only this product (repeatable)."
        )

    def handle(
        self, *args, limit: int, max_reviews: int, out: str, product: list[int] | None, verbosity: int, **options
    ) -> None:
        # The clothing department holds the real reviews; the rest of the demo's reviews are generated.
        products = evaluation_products(limit=None, clothing=True).filter(review_count__lte=max_reviews)
        if product:
            products = products.filter(pk__in=product)
        ids = list(products.values_list("pk", flat=True))
        if not ids:
            raise CommandError("No women's clothing product has enough reviews; load the demo (manage.py seed_demo).")
        step = max(1.0, len(ids) / limit)
        chosen = evaluation_products(limit=None, product_ids=[ids[int(i * step)] for i in range(min(limit, len(ids)))])
        with tqdm(total=chosen.count(), unit="product", disable=verbosity == 0, file=self.stderr._out) as bar:
            try:
                candidates = []
                for picked in chosen:
                    candidates += faithfulness_candidates_build(products=[picked])
                    bar.update(1)
            except LLMUnavailable as error:
                raise CommandError(str(error)) from error
        path = Path(out)
        path.write_text(json.dumps(candidates, indent=1, ensure_ascii=False))
        path.with_suffix(".txt").write_text(faithfulness_candidates_text(candidates=candidates))
        self.stdout.write(
            f"{len(candidates)} products, {sum(len(c['sentences']) for c in candidates)} sentences, "
            f"{sum(len(c['aspects']) for c in candidates)} aspects → {path} and {path.with_suffix('.txt')}"
        )
