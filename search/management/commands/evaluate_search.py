import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from ml.encoders import image_encoder_status
from search.evaluation import (
    configurations,
    evaluation_queries,
    photo_recall_at_1,
    rankings_collect,
    search_evaluate,
    weights_tune,
)


class Command(BaseCommand):
    help = "Measure search on the labelled queries: lexical only, semantic only and hybrid, plus photo Recall@1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--tune", action="store_true", help="Also search the fusion weights that maximise hybrid nDCG@10."
        )
        parser.add_argument(
            "--photos", type=int, default=100, help="Products whose photos are distorted and searched (default 100)."
        )

    def handle(self, *args, json: bool, tune: bool, photos: int, **options) -> None:
        signals = ("lexical", "semantic") + (("picture",) if image_encoder_status() is None else ())
        collected = rankings_collect(signals=signals)
        results = {
            name: search_evaluate(collected=collected, configuration=configuration)
            for name, configuration in configurations(weights=settings.SEARCH["WEIGHTS"], signals=signals).items()
        }
        recall, photo_note = photo_recall_at_1(sample=photos)
        report = {
            "queries": len(evaluation_queries()),
            "weights": settings.SEARCH["WEIGHTS"],
            "rankings": {
                name: {
                    "ndcg@10": round(m.ndcg, 4),
                    "recall@10": round(m.recall, 4),
                    "mrr@10": round(m.mrr, 4),
                    "ndcg@10_by_kind": {k: round(v, 4) for k, v in m.per_kind.items()},
                }
                for name, m in results.items()
            },
            "photo_recall@1": None if recall is None else round(recall, 4),
            "photo_note": photo_note,
        }
        if tune:
            weights, best = weights_tune(collected=collected, signals=signals)
            report["tuned"] = {"weights": weights, "ndcg@10": round(best.ndcg, 4)}
        if json:
            self.stdout.write(_dumps(report))
            return
        self.stdout.write(f"{report['queries']} labelled queries; fusion weights {report['weights']}")
        self.stdout.write(f"{'ranking':<10} {'nDCG@10':>8} {'Recall@10':>10} {'MRR@10':>8}   nDCG@10 by kind")
        for name, m in results.items():
            kinds = ", ".join(f"{k} {v:.3f}" for k, v in m.per_kind.items())
            self.stdout.write(f"{name:<10} {m.ndcg:>8.4f} {m.recall:>10.4f} {m.mrr:>8.4f}   {kinds}")
        if recall is None:
            self.stdout.write(f"Photo Recall@1: not measured — {photo_note}")
        else:
            self.stdout.write(f"Photo Recall@1: {recall:.4f} ({photo_note})")
        if tune:
            self.stdout.write(
                f"Best weights on this set: {report['tuned']['weights']} → hybrid nDCG@10 {report['tuned']['ndcg@10']:.4f}"
            )


def _dumps(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
