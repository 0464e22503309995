import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommender.selectors import user_recommendations


class Command(BaseCommand):
    help = "Print what a shopper would see under “Recommended for you”, with scores and reasons."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username of the shopper.")
        parser.add_argument("--k", type=int, default=10, help="How many items (1–100, default 10).")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, user: str, k: int, json: bool, **options) -> None:
        if not 1 <= k <= 100:
            raise CommandError("--k must be between 1 and 100.")
        shopper = get_user_model().objects.filter(username=user).first()
        if shopper is None:
            raise CommandError(f"No user named {user!r}.")
        result = user_recommendations(user_id=shopper.pk, k=k)
        rows = [
            {
                "product_id": item.product.pk,
                "title": item.product.title,
                "category": item.product.category.name,
                "price": str(item.product.price),
                "score": round(item.score, 4),
                "reason": item.reason,
            }
            for item in result.items
        ]
        if json:
            self.stdout.write(
                _dumps(
                    {
                        "user": user,
                        "source": result.source,
                        "version": result.version_id,
                        "note": result.note,
                        "items": rows,
                    }
                )
            )
            return
        if result.source == "model":
            self.stdout.write(f"Recommendations for {user} from model v{result.version_id}:")
        else:
            self.stdout.write(f"Trending items for {user}: {result.note}")
        for rank, row in enumerate(rows, start=1):
            reason = f"  ({row['reason']})" if row["reason"] else ""
            self.stdout.write(
                f"{rank:>3}. {row['score']:.4f}  {row['title']} [{row['category']}, {row['price']}]{reason}"
            )


def _dumps(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False)
