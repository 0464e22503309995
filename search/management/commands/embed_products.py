from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ml.encoders import EncoderUnavailable
from search.embedding import products_embed, products_stale
from shop.models import Product


class Command(BaseCommand):
    help = "Embed products' text and images with the configured encoders."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--all", action="store_true", help="Re-embed every product, changed or not.")
        which.add_argument("--stale", action="store_true", help="Only products without current vectors (the default).")
        parser.add_argument("--batch-size", type=int, default=64)

    def handle(self, *args, all: bool, stale: bool, batch_size: int, verbosity: int, **options) -> None:
        if not 1 <= batch_size <= 4096:
            raise CommandError("--batch-size must be between 1 and 4096.")
        ids = list((Product.objects.all() if all else products_stale()).order_by("pk").values_list("pk", flat=True))
        if not ids:
            self.stdout.write("Every product's vectors are current.")
            return
        with tqdm(total=len(ids), unit="product", disable=verbosity == 0, file=self.stderr._out) as bar:
            try:
                report = products_embed(product_ids=ids, batch_size=batch_size, force=all, progress=bar.update)
            except EncoderUnavailable as error:
                raise CommandError(str(error)) from error
        self.stdout.write(
            f"Embedded text of {report.text_embedded:,} and images of {report.image_embedded:,} products, "
            f"colour signatures of {report.colours_signed:,} pictures ({report.unchanged:,} unchanged)."
        )
        if report.image_note:
            self.stdout.write(self.style.WARNING(f"Images not embedded: {report.image_note}"))
