import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.evaluation_images import catalog_pictures_load, colour_weight_tune, figures_lines
from search.image_encoders import live_image_encoder_get, live_image_encoder_status
from search.image_training import image_encoders_evaluate
from search.text_evaluation import SETS, Metrics, evaluation_queries, text_search_evaluate, weights_tune


class Command(BaseCommand):
    help = (
        "Measure text search on labelled queries (naive baseline, lexical, semantic, hybrid, the service) "
        "and photo search (the live image encoder beside a colour-histogram baseline, on distorted photos)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--set",
            dest="set_name",
            choices=[*SETS, "all"],
            default="development",
            help="Which labelled queries: development (tuned on), heldout (never tuned on) or all (each reported).",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--tune",
            action="store_true",
            help=(
                "Also search the fusion weights that maximise hybrid nDCG@10 on the development set (only), "
                "and photo search's colour weight on development photos of trained products (only)."
            ),
        )
        parser.add_argument(
            "--photos",
            type=int,
            default=300,
            help="Distorted photos per part (held-out products, trained products); 0 skips photo search (default 300).",
        )

    def handle(self, *args, set_name: str, json: bool, tune: bool, photos: int, **options) -> None:
        if photos < 0:
            raise CommandError("--photos must be 0 or more.")
        image_status = live_image_encoder_status()
        signals = ("lexical", "semantic") + (("picture",) if image_status is None else ())
        names = list(SETS) if set_name == "all" else [set_name]
        report: dict = {"weights": settings.SEARCH["WEIGHTS"], "sets": {}}
        for name in names:
            results = text_search_evaluate(set_name=name, signals=signals)
            report["sets"][name] = {
                "queries": len(evaluation_queries(name=name)),
                "rankings": {ranking: metrics.as_dict() for ranking, metrics in results.items()},
            }
            if not json:
                self._table(name=name, results=results)
        if tune:
            weights, best = weights_tune(signals=signals)
            report["tuned"] = {"set": "development", "weights": weights, "ndcg@10": round(best.ndcg, 4)}
            if image_status is None and photos:
                report["tuned"]["photo colour"] = self._colour_weight_tune()
        if not photos:
            report["photos"] = {"note": "not asked (--photos 0)"}
        elif image_status is not None:
            report["photos"] = {"note": image_status}
        else:
            report["photos"] = image_encoders_evaluate(per_part=photos, log=lambda line: None)
        if json:
            self.stdout.write(_dumps(report))
            return
        if tune:
            self.stdout.write(
                f"Best weights on the development set: {weights} → hybrid nDCG@10 {report['tuned']['ndcg@10']:.4f}"
            )
            if "photo colour" in report["tuned"]:
                colour = report["tuned"]["photo colour"]
                by_weight = ", ".join(f"{row['weight']}: {row['score']}" for row in colour["scores"])
                self.stdout.write(
                    f"Best photo colour weight on {colour['photos']} development photos: {colour['weight']} "
                    f"(mean of R@10 and same category and colour P@5 by weight: {by_weight})"
                )
        self._photos(report=report["photos"])

    def _colour_weight_tune(self) -> dict:
        tuning = colour_weight_tune(
            pictures=catalog_pictures_load(), encode_images=live_image_encoder_get().encode_images
        )
        scores = [{"weight": weight, "score": score} for weight, score in tuning.scores.items()]
        return {"weight": tuning.weight, "scores": scores, "photos": len(tuning.product_ids)}

    def _photos(self, *, report: dict) -> None:
        if "note" in report:
            self.stdout.write(f"\nPhoto search: not measured — {report['note']}")
            return
        self.stdout.write("\nPhoto search, distorted photos of held-out and trained products:")
        for label, figures in report.items():
            name = figures.get("encoder", label)
            for line in figures_lines(name=name, figures=figures):
                self.stdout.write(line)

    def _table(self, *, name: str, results: dict[str, Metrics]) -> None:
        count = next(iter(results.values())).queries
        self.stdout.write(f"\n{name} set: {count} queries; fusion weights {settings.SEARCH['WEIGHTS']}")
        self.stdout.write(f"{'ranking':<10} {'nDCG@10':>8} {'Recall@10':>10} {'MRR@10':>8}")
        for ranking, metrics in results.items():
            self.stdout.write(f"{ranking:<10} {metrics.ndcg:>8.4f} {metrics.recall:>10.4f} {metrics.mrr:>8.4f}")
        kinds = sorted({kind for metrics in results.values() for kind in metrics.per_kind})
        self.stdout.write(f"nDCG@10 by kind ({name}):")
        self.stdout.write(f"{'kind':<16} {'n':>3} " + " ".join(f"{ranking:>9}" for ranking in results))
        for kind in kinds:
            values = [metrics.per_kind.get(kind, {}).get("ndcg@10", 0.0) for metrics in results.values()]
            queries = next(m.per_kind[kind]["queries"] for m in results.values() if kind in m.per_kind)
            self.stdout.write(f"{kind:<16} {queries:>3} " + " ".join(f"{value:>9.4f}" for value in values))


def _dumps(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
