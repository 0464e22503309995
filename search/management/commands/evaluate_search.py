import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.encoders import image_encoder_status
from search.evaluation import photo_recall_at_1
from search.text_evaluation import SETS, Metrics, evaluation_queries, text_search_evaluate, weights_tune


class Command(BaseCommand):
    help = (
        "Measure text search on labelled queries (naive baseline, lexical, semantic, hybrid, the service) "
        "and photo Recall@1."
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
            help="Also search the fusion weights that maximise hybrid nDCG@10 on the development set (only).",
        )
        parser.add_argument(
            "--photos", type=int, default=100, help="Products whose photos are distorted and searched (default 100)."
        )

    def handle(self, *args, set_name: str, json: bool, tune: bool, photos: int, **options) -> None:
        if photos < 0:
            raise CommandError("--photos must be 0 or more.")
        signals = ("lexical", "semantic") + (("picture",) if image_encoder_status() is None else ())
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
        recall, photo_note = photo_recall_at_1(sample=photos) if photos else (None, "not asked (--photos 0)")
        report["photo_recall@1"] = None if recall is None else round(recall, 4)
        report["photo_note"] = photo_note
        if json:
            self.stdout.write(_dumps(report))
            return
        if tune:
            self.stdout.write(
                f"Best weights on the development set: {weights} → hybrid nDCG@10 {report['tuned']['ndcg@10']:.4f}"
            )
        if recall is None:
            self.stdout.write(f"Photo Recall@1: not measured — {photo_note}")
        else:
            self.stdout.write(f"Photo Recall@1: {recall:.4f} ({photo_note})")

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
