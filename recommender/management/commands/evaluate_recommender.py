import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.datasets import DatasetUnavailable
from ml.devices import device_get
from recommender.dataset import demo_evaluation_set
from recommender.evaluation import (
    als_evaluate,
    ease_evaluate,
    movielens_evaluation_set,
    popularity_evaluate,
    two_tower_evaluate,
)
from recommender.features import Vocabulary
from recommender.model import TwoTowerConfig

DATASETS = ("demo", "movielens-100k")


class Command(BaseCommand):
    help = (
        "Measure the two-tower recommender beside popularity, ALS and EASE: nDCG@10, Precision@10, Recall@10, MAP, "
        "the discovery view (new items only) and training time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dataset", choices=DATASETS, default="demo")
        parser.add_argument("--epochs", type=int, default=None, help="Override the training epochs.")
        parser.add_argument(
            "--split",
            choices=("test", "validation"),
            default="test",
            help="validation: a split carved from the training side, for choosing settings; test: the held-out side.",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, dataset: str, epochs: int | None, split: str, json: bool, **options) -> None:
        if epochs is not None and not 1 <= epochs <= 500:
            raise CommandError("--epochs must be between 1 and 500.")
        try:
            validation = split == "validation"
            data = (
                demo_evaluation_set(validation=validation)
                if dataset == "demo"
                else movielens_evaluation_set(datasets_dir=settings.DEMO_DATASETS_DIR, validation=validation)
            )
        except DatasetUnavailable as error:
            raise CommandError(str(error)) from error
        config = TwoTowerConfig(
            categorical_sizes=Vocabulary.build(items=data.items).sizes(), **settings.RECOMMENDER_TRAINING[dataset]
        )
        if epochs is not None:
            config.epochs = epochs
        two_tower, losses = two_tower_evaluate(dataset=data, config=config, device=device_get())
        rows = {
            "two-tower": two_tower,
            "popularity": popularity_evaluate(dataset=data),
            "als (implicit)": als_evaluate(dataset=data),
            "ease": ease_evaluate(dataset=data),
        }
        report = {
            "dataset": dataset,
            "split": split,
            "users_evaluated": sum(1 for truth in data.relevant if truth),
            "items": len(data.items),
            "training_examples": len(data.train.example_items),
            "losses": [round(loss, 4) for loss in losses],
            "models": {
                name: {
                    "ndcg@10": round(s.ndcg, 4),
                    "precision@10": round(s.precision, 4),
                    "recall@10": round(s.recall, 4),
                    "map@10": round(s.map, 4),
                    "new_ndcg@10": round(s.ndcg_new, 4),
                    "new_recall@10": round(s.recall_new, 4),
                    "train_seconds": round(s.seconds, 1),
                    **s.notes,
                }
                for name, s in rows.items()
            },
        }
        if json:
            self.stdout.write(_dumps(report))
            return
        self.stdout.write(
            f"{dataset} ({split} split): {report['users_evaluated']} users evaluated, {report['items']} items, "
            f"{report['training_examples']:,} training examples"
        )
        self.stdout.write(
            f"{'model':<16} {'nDCG@10':>8} {'P@10':>8} {'R@10':>8} {'MAP@10':>8} {'new nDCG':>9} {'new R@10':>9} "
            f"{'train s':>8}"
        )
        for name, s in rows.items():
            self.stdout.write(
                f"{name:<16} {s.ndcg:>8.4f} {s.precision:>8.4f} {s.recall:>8.4f} {s.map:>8.4f} {s.ndcg_new:>9.4f} "
                f"{s.recall_new:>9.4f} {s.seconds:>8.1f}"
            )
        self.stdout.write(
            f"EASE's λ = {rows['ease'].notes['lambda']:g}, chosen on a validation split of the training side "
            f'(validation nDCG@10 {rows["ease"].notes["validation_ndcg"]:.4f}). "new": the discovery view, nothing '
            "the user interacted with before the split is a candidate and only positives new to them count."
        )


def _dumps(value: dict) -> str:
    return json.dumps(value)
