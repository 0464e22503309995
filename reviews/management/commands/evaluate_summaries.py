import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ml.llm import LLMUnavailable
from reviews.evaluation import evaluation_products, summaries_evaluate
from reviews.faithfulness import FaithfulnessEvaluation, faithfulness_set_load


class Command(BaseCommand):
    help = (
        "Measure review summaries per mode: seconds per summary, grounded share of the LLM's sentences, fallbacks, "
        "planted-fact probes (coverage, contradictions, inventions), aspects against the star ratings, and the grounding "
        "check and aspects on the labelled faithfulness set (reviews/evaluation_faithfulness.json). Stores nothing."
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
        parser.add_argument(
            "--clothing", action="store_true", help="Only the demo's women's clothing products (real reviews)."
        )
        parser.add_argument(
            "--no-faithfulness",
            action="store_false",
            dest="faithfulness",
            help="Skip the labelled faithfulness set (its products must be the demo's: matched by SKU and review set).",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the figures as JSON.")

    def handle(
        self,
        *args,
        limit: int | None,
        product: list[int] | None,
        mode: list[str] | None,
        clothing: bool,
        faithfulness: bool,
        as_json: bool,
        verbosity: int,
        **options,
    ) -> None:
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        modes = mode or ["extractive"]
        products = evaluation_products(limit=limit, product_ids=product, clothing=clothing)
        if not products.exists():
            raise CommandError("No product has enough reviews to summarise; load the demo data (manage.py seed_demo).")
        with tqdm(
            total=products.count() * len(modes) + (len(faithfulness_set_load()["products"]) if faithfulness else 0),
            unit="summary",
            disable=verbosity == 0 or as_json,
            file=self.stderr._out,
        ) as bar:
            try:
                result = summaries_evaluate(
                    products=products, modes=modes, faithfulness=faithfulness, progress=bar.update
                )
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
            lines.append(f"  sentences passing grounding: {m.sentences_grounded:.1%} of {m.sentences}")
            if m.mode != "extractive":
                reasons = ", ".join(f"{reason} {count}" for reason, count in m.rejection_reasons.items()) or "none"
                lines.append(
                    f"  LLM sentences grounded: {m.llm_sentences_grounded:.1%} of {m.llm_sentences}; "
                    f"fell back to extractive: {m.fell_back:.1%}; rejected for: {reasons}; LLM errors {m.llm_errors}"
                )
        if result.faithfulness is not None:
            lines += _faithfulness_lines(result.faithfulness)
        self.stdout.write("\n".join(lines))


def _faithfulness_lines(evaluation: FaithfulnessEvaluation) -> list[str]:
    counts = ", ".join(f"{label} {count}" for label, count in evaluation.label_counts.items())
    lines = [
        f"labelled faithfulness set: {counts}; bad = unsupported + contradicted + nonsense, "
        '"partly" counts as neither (how many the check flags is shown)'
    ]
    if evaluation.products_skipped:
        lines.append(
            f"  {len(evaluation.products_skipped)} labelled products skipped (not in this database, or their reviews "
            f"changed since labelling): {', '.join(evaluation.products_skipped[:5])}…"
        )
    for half in evaluation.halves:
        g, b = half.grounding, half.baseline
        lines.append(
            f"  {half.half} ({half.products} products, {half.sentences} sentences, {g.bad} bad, {g.supported} supported): "
            f"grounding precision {g.precision:.1%} recall {g.recall:.1%} (partly flagged {g.partly_flagged}); "
            f"naive cosine < {half.baseline_threshold} (threshold from dev) precision {b.precision:.1%} "
            f"recall {b.recall:.1%}"
        )
        for source, figures in half.by_source.items():
            lines.append(
                f"    {source} sentences: {figures.bad} bad, {figures.supported} supported: precision "
                f"{figures.precision:.1%} recall {figures.recall:.1%}, supported flagged {figures.false_alarms}"
            )
        a = half.aspects
        lines.append(
            f"    aspects: {a.labelled} labelled, useful {a.useful:.1%}, polarity agrees {a.polarity_agrees:.1%} "
            f"(of the useful); {a.unlabelled} computed now that nobody labelled"
        )
    return lines
