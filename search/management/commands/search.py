import json
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ml.encoders import EncoderUnavailable
from search.photos import PhotoRejected, photo_open
from search.selectors import product_image_search, product_search


class Command(BaseCommand):
    help = 'Print the ranked products for a query: manage.py search "QUERY" [--k 10] [--json], or --image PATH.'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query", nargs="?", default=None)
        parser.add_argument("--image", type=Path, help="Search with a photo instead of words.")
        parser.add_argument("--k", type=int, default=10, help="How many products (1–200).")
        parser.add_argument("--json", action="store_true", help="Print JSON lines for scripts.")

    def handle(self, *args, query: str | None, image: Path | None, k: int, json: bool, **options) -> None:
        if (query is None) == (image is None):
            raise CommandError('Give either a query ("thin remote") or --image PATH.')
        if not 1 <= k <= 200:
            raise CommandError("--k must be between 1 and 200.")
        try:
            if image is not None:
                if not image.is_file():
                    raise CommandError(f"No file at {image}.")
                upload = SimpleUploadedFile(image.name, image.read_bytes())
                result = product_image_search(image=photo_open(upload=upload), page_size=k)
            else:
                result = product_search(query=query, page_size=k)
        except (PhotoRejected, EncoderUnavailable) as error:
            raise CommandError(str(error)) from error
        rows = [
            {
                "rank": rank,
                "id": hit.product.pk,
                "sku": hit.product.sku,
                "title": hit.product.title,
                "category": hit.product.category.name,
                "score": round(hit.score, 5),
                "matched_by": list(hit.signals),
            }
            for rank, hit in enumerate(result.hits, start=1)
        ]
        if json:
            self.stdout.write(
                _json_dumps(
                    {
                        "query": query,
                        "corrected": result.corrected,
                        "filters": {k: str(v) for k, v in result.filters.items()},
                        "results": rows,
                    }
                )
            )
            return
        if result.corrected:
            self.stdout.write(f"(searched for: {result.corrected})")
        if result.filters:
            self.stdout.write("filters: " + ", ".join(f"{name}={value}" for name, value in result.filters.items()))
        for row in rows:
            self.stdout.write(
                f"{row['rank']:>3}. [{row['id']}] {row['sku']:<10} {row['title'][:60]:<60} {row['category'][:22]:<22} {row['score']:.4f}"
            )
        if not rows:
            self.stdout.write("No products match.")


def _json_dumps(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False)
