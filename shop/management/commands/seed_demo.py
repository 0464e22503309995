from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from shop.demo.seed import DEMO_PASSWORD, STAFF_PASSWORD, STAFF_USERNAME, demo_seed, demo_seed_validate
from shop.demo.shoppers import DEMO_USERNAME, preference_signal_measure
from shop.models import Product


class Command(BaseCommand):
    help = "Fill the shop with demo data: catalog, pictures, shoppers with tastes, their history and real reviews."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--products", type=int, default=2000, help="Synthetic products (default 2000).")
        parser.add_argument("--users", type=int, default=1000, help="Synthetic shoppers (default 1000).")
        parser.add_argument("--seed", type=int, default=7, help="Random seed: the same seed gives the same shop.")
        parser.add_argument("--no-clothing", action="store_true", help="Skip the women's clothing department.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the catalog already has products.")

    def handle(
        self, *args, products: int, users: int, seed: int, no_clothing: bool, if_empty: bool, verbosity: int, **options
    ) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo creates accounts with published passwords; it never runs with DJANGO_ENV=production."
            )
        try:
            demo_seed_validate(products=products, users=users)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if if_empty and Product.objects.exists():
            self.stdout.write("The catalog has products already: no demo data loaded.")
            self._logins_print()
            return

        def progress(iterable, **kwargs):
            return tqdm(iterable, disable=verbosity == 0, file=self.stderr._out, **kwargs)

        report = demo_seed(
            products=products,
            users=users,
            seed=seed,
            with_clothing=not no_clothing,
            datasets_dir=settings.DEMO_DATASETS_DIR,
            clothing_wheel=settings.DEMO_CLOTHING_WHEEL,
            progress=progress,
            log=lambda message: self.stdout.write(message),
        )
        if report.embed_note:
            self.stdout.write(report.embed_note)
        preferred, random_pairs = preference_signal_measure(tastes=report.tastes, category_ids=report.category_ids)
        self.stdout.write(
            f"Created {report.products_created:,} products, {report.shoppers_created:,} shoppers, "
            f"{report.interactions_created:,} interactions, {report.reviews_created:,} reviews."
        )
        if random_pairs:
            self.stdout.write(
                f"Signal: {preferred:.1%} of purchases fall in the buyer's preferred categories, "
                f"{random_pairs:.1%} of random user–product pairs do ({preferred / random_pairs:.1f}×)."
            )
        self._logins_print()

    def _logins_print(self) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo logins: shopper {DEMO_USERNAME} / {DEMO_PASSWORD}, staff {STAFF_USERNAME} / {STAFF_PASSWORD} (admin at /admin/)."
            )
        )
