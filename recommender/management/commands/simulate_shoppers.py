from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from ml.datasets import DatasetUnavailable
from recommender.experiments import experiment_running_get
from recommender.simulation import shoppers_simulate


class Command(BaseCommand):
    help = (
        "Replay the demo shoppers' hidden tastes against live recommendations for N days and print click-through, "
        "add-to-cart and purchase rates per arm (the running A/B test's arms, else the live model against trending)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7)
        parser.add_argument("--shoppers", type=int, default=200, help="Shoppers who visit each day.")
        parser.add_argument("--seed", type=int, default=7, help="The seed seed_demo used.")
        parser.add_argument("--products", type=int, default=2000, help="The --products seed_demo used.")
        parser.add_argument("--users", type=int, default=1000, help="The --users seed_demo used.")

    def handle(self, *args, days: int, shoppers: int, seed: int, products: int, users: int, **options) -> None:
        if not 1 <= days <= 60 or not 1 <= shoppers <= 5000:
            raise CommandError("--days must be 1–60 and --shoppers 1–5000.")
        experiment = experiment_running_get()
        self.stdout.write(
            f"Arms: {experiment} (control v{experiment.control_id}, candidate v{experiment.candidate_id})"
            if experiment
            else "No A/B test is running: half the shoppers see the live model's picks, half trending items."
        )
        try:
            outcomes = shoppers_simulate(
                days=days,
                shoppers_per_day=shoppers,
                products=products,
                users=users,
                seed=seed,
                progress=lambda days: tqdm(days, desc="days", disable=options["verbosity"] == 0),
            )
        except DatasetUnavailable as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{'arm':<10} {'impressions':>11} {'CTR':>7} {'cart rate':>9} {'purchase rate':>13}")
        for arm, outcome in outcomes.items():
            self.stdout.write(
                f"{arm:<10} {outcome.impressions:>11} {outcome.rate(outcome.clicks):>7.2%} "
                f"{outcome.rate(outcome.carts):>9.2%} {outcome.rate(outcome.purchases):>13.2%}"
            )
        if experiment:
            self.stdout.write("Confidence intervals and promotion: the A/B test's page in admin.")
