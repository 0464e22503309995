import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ml.llm import LLMUnavailable
from reviews.evaluation import evaluation_products, summaries_evaluate


class Command(BaseCommand):
    help = (
        "Measure review summaries per mode: seconds per summary, grounded share of the LLM's sentences, fallbacks, "
        "planted-fact probes (coverage, contradictions, inventions) and aspects against the star ratings. Stores nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--limit", type=int, help="At most this many products, spread evenly (default: all with enough reviews)."
        )
        which.add_argument("--product", type=int, action="append", metavar="ID", help="Only this product (repeatable).")
        parser.add_argument(
            "--mode",
            action="append",
            choices=("extractive", "grounded-llm"),
            help="Mode to measure (repeatable; default extractive; grounded-llm uses the configured LLM backend).",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the figures as JSON.")

    def handle(
        self,
        *args,
        limit: int | None,
        product: list[int] | None,
        mode: list[str] | None,
        as_json: bool,
        verbosity: int,
        **options,
    ) -> None:
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        modes = mode or ["extractive"]
        products = evaluation_products(limit=limit, product_ids=product)
        if not products.exists():
            raise CommandError("No product has enough reviews to summarise; load the demo data (manage.py seed_demo).")
        with tqdm(
            total=products.count() * len(modes),
            unit="summary",
            disable=verbosity == 0 or as_json,
            file=self.stderr._out,
        ) as bar:
            try:
                result = summaries_evaluate(products=products, modes=modes, progress=bar.update)
            except LLMUnavailable as error:
                raise CommandError(str(error)) from error
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        lines = [
            f"polarity from the {result.polarity_source}; {result.aspects} aspects, "
            f"{result.aspects_agreeing_with_stars:.1%} agree with the star-rating label (naive baseline)"
        ]
        for m in result.modes:
            lines.append(
                f"{m.mode} (backend {m.backend}): {m.products} products, {m.seconds_per_summary:.2f} s per summary; "
                f"probes: coverage of the top-3 facts {m.probe_coverage:.1%} over {m.probes}, "
                f"{m.probe_contradictions} contradictions, {m.probe_invented} invented"
            )
            if m.mode != "extractive":
                reasons = ", ".join(f"{reason} {count}" for reason, count in m.rejection_reasons.items()) or "none"
                lines.append(
                    f"  LLM sentences grounded: {m.llm_sentences_grounded:.1%} of {m.llm_sentences}; "
                    f"fell back to extractive: {m.fell_back:.1%}; rejected for: {reasons}; LLM errors {m.llm_errors}"
                )
        self.stdout.write("\n".join(lines))
