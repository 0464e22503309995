"""Recommendation latency: one shopper's "Recommended for you" beside the trending-items query.

    python bench/recommend.py [--size 100000] [--users 200] [--rounds 2]

The catalog gets its own embedded PostgreSQL under var/bench/rec-pg-SIZE, seeded on first
use without pictures or text vectors (the item tower trains without them), and a model is
trained on it once (train_recommender --wait: every item of the catalog gets its vector in
the HNSW index). Later runs reuse both. A recommendation is timed end to end as the home
page asks for it: the shopper's features read from the database, the user tower, the HNSW
search with its filters (in stock, active, not bought), diversity and reasons, and the
impression log of its twelve tiles (one INSERT, as the home page writes it). The baseline
is the trending query the same page falls back to, computed without its cache.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(*, size: int, users: int, rounds: int) -> dict:
    import django

    sys.path.insert(0, str(ROOT))
    from config.environment import django_environment_prepare

    django_environment_prepare()
    django.setup()
    import torch
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from recommender.experiments import impressions_log, recommendations_for_visitor
    from recommender.models import Impression, ModelVersion
    from recommender.selectors import trending_product_ids_compute, user_recommendations
    from shop.demo.seed import demo_seed
    from shop.models import Product

    torch.set_num_threads(1)
    call_command("migrate", verbosity=0)
    if Product.objects.count() < size:
        demo_seed(products=size, users=1000, seed=7, with_clothing=False, embed=False, pictures=False)
    if not ModelVersion.objects.filter(is_live=True).exists():
        call_command("train_recommender", "--wait")
    shoppers = list(get_user_model().objects.filter(interactions__isnull=False).distinct().values_list("pk", flat=True))
    sample = random.Random(7).sample(shoppers, min(users, len(shoppers)))
    user_recommendations(user_id=sample[0], k=12)
    timings: dict[str, list[float]] = {"recommend": [], "trending": []}
    for _ in range(rounds):
        for user_id in sample:
            start = time.perf_counter()
            result, arm = recommendations_for_visitor(user_id=user_id, k=12)
            impressions_log(
                recommendations=result, surface=Impression.Surface.HOME, user_id=user_id, session_key=None, arm=arm
            )
            timings["recommend"].append((time.perf_counter() - start) * 1000)
            assert result.source == "model", result.note
            start = time.perf_counter()
            trending_product_ids_compute()
            timings["trending"].append((time.perf_counter() - start) * 1000)
    return {
        "products": Product.objects.filter(is_active=True).count(),
        "calls": len(timings["recommend"]),
        **{f"{name}_p50": statistics.median(values) for name, values in timings.items()},
        **{f"{name}_p95": percentile(values, 0.95) for name, values in timings.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.size < 100 or args.users < 1 or args.rounds < 1:
        parser.error("--size must be at least 100, --users and --rounds at least 1.")
    if args.child:
        print(json.dumps(measure(size=args.size, users=args.users, rounds=args.rounds)))
        return
    env = {
        **os.environ,
        "EMBEDDED_POSTGRES_DIR": str(ROOT / "var" / "bench" / f"rec-pg-{args.size}"),
        "ARTIFACTS_DIR": str(ROOT / "var" / "bench" / f"rec-artifacts-{args.size}"),
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            "--size",
            str(args.size),
            "--users",
            str(args.users),
            "--rounds",
            str(args.rounds),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"the benchmark failed:\n{done.stderr[-3000:]}")
    row = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{row['products']:,} products, {row['calls']} calls each")
    print(f"{'':<28} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"{'recommendations + log (k=12)':<28} {row['recommend_p50']:>8.1f} {row['recommend_p95']:>8.1f}")
    print(f"{'trending query (uncached)':<28} {row['trending_p50']:>8.1f} {row['trending_p95']:>8.1f}")
    print(
        f"ratio recommendations / trending at p95: {row['recommend_p95'] / row['trending_p95']:.2f}×; target p95 ≤ 30 ms"
    )


if __name__ == "__main__":
    main()
