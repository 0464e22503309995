import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.datasets import DatasetUnavailable
from reviews.sentiment import sentiment_model_train
from reviews.training_data import clothing_rated_texts


class Command(BaseCommand):
    help = (
        "Train the sentence-polarity classifier on the CC0 women's clothing reviews (4-5 stars positive, 1-2 "
        "negative) and report its held-out accuracy beside a majority and a lexicon baseline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=12000, help="At most this many reviews, spread evenly (default 12000)."
        )
        parser.add_argument(
            "--if-missing", action="store_true", help="Do nothing when a model for the current encoder exists."
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the figures as JSON.")

    def handle(self, *args, limit: int, if_missing: bool, as_json: bool, **options) -> None:
        from reviews.sentiment import sentiment_classifier_get

        if limit < 20:
            raise CommandError("--limit must be at least 20.")
        if if_missing and sentiment_classifier_get() is not None:
            self.stdout.write("A review sentiment model exists for the current text encoder; nothing to do.")
            return
        try:
            texts = clothing_rated_texts(
                datasets_dir=settings.DEMO_DATASETS_DIR, wheel_requirement=settings.DEMO_CLOTHING_WHEEL, limit=limit
            )
            row = sentiment_model_train(texts=texts)
        except (DatasetUnavailable, ValueError) as error:
            raise CommandError(str(error)) from error
        if as_json:
            self.stdout.write(json.dumps({"id": row.pk, **row.metrics}, indent=2))
            return
        m = row.metrics
        self.stdout.write(
            f"Sentiment model {row.pk}: trained on {m['train_texts']:,} reviews, held out {m['held_out_texts']:,} "
            f"(products never seen in training; {m['held_out_positive_share']:.1%} positive).\n"
            f"  classifier: accuracy {m['accuracy']:.1%}, balanced {m['balanced_accuracy']:.1%}\n"
            f"  majority class: accuracy {m['majority_accuracy']:.1%}, balanced {m['majority_balanced_accuracy']:.1%}\n"
            f"  opinion-word lexicon: accuracy {m['lexicon_accuracy']:.1%}, balanced {m['lexicon_balanced_accuracy']:.1%}"
        )
