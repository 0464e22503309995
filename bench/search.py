"""Search latency: hybrid (query embedding included) beside lexical-only, at catalog sizes.

    python bench/search.py [--sizes 2000,100000] [--rounds 3] [--no-photos]

Each size gets its own embedded PostgreSQL under var/bench/pg-SIZE, seeded (and embedded)
on first use: preparing 100,000 products is long on 2 cores (on 2026-12-02, 32,000 text vectors
in an hour on a shared machine: embedding is the long part); an interrupted preparation resumes
(`embed_products --stale`), and later runs reuse it. Photo search is timed at each size with the shop's own live image encoder
(`make setup` trains it) embedding that catalog's pictures (see `image_encoder_ensure`). Queries are the 80 labelled queries of the search evaluation.
Each catalog has its own cache key prefix. Each catalog's server gets 1 GB of shared_buffers (the
embedded default, 128 MB, cannot hold the 100,000-product HNSW index, 194 MB): the benchmark sets it
and restarts that server when it has less, and the row shows the setting. One untimed round of the
queries comes before the timed ones.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_BUFFERS_BYTES = 2**30


def measure(*, rounds: int) -> dict:
    import django

    sys.path.insert(0, str(ROOT))
    from config.environment import django_environment_prepare

    django_environment_prepare()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from ml.devices import inference_threads_set
    from search.selectors import product_search
    from search.text_evaluation import evaluation_queries
    from shop.models import Product

    # Searches are timed as a gunicorn worker makes them (config/gunicorn.py).
    inference_threads_set(threads=settings.ML_WEB_THREADS)

    size = int(os.environ["BENCH_SIZE"])
    call_command("migrate", verbosity=0)
    if Product.objects.count() < size:
        call_command("seed_demo", products=size, users=1000, seed=7, no_clothing=size != 2000)
    # A preparation cut short (seeding embeds last) resumes here instead of timing a half-embedded catalog.
    call_command("embed_products", "--stale")
    image_encoder = image_encoder_ensure(size=size) if os.environ.get("BENCH_PHOTOS") != "0" else None
    shared_buffers_ensure()
    queries = [item["query"] for item in evaluation_queries()]
    # One untimed round: a server just restarted reads its indexes into memory on the first searches.
    for query in queries:
        product_search(query=query)
    timings: dict[str, list[float]] = {"lexical": [], "hybrid": []}
    for _ in range(rounds):
        for query in queries:
            for name, signals in (("lexical", ("lexical",)), ("hybrid", ("lexical", "semantic", "picture"))):
                start = time.perf_counter()
                product_search(query=query, signals=signals)
                timings[name].append((time.perf_counter() - start) * 1000)

    if image_encoder is not None:
        timings.update(photo_search_timings(rounds=rounds))

    def percentile(values: list[float], share: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]

    from django.db import connection

    with connection.cursor() as cursor:
        # HNSW is fast only while its index is in memory (see Scaling): the figure says what it had.
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    return {
        "products": Product.objects.filter(is_active=True).count(),
        "shared_buffers": shared_buffers,
        "image_encoder": image_encoder,
        "queries": len(timings["hybrid"]),
        **{f"{name}_p50": statistics.median(values) for name, values in timings.items()},
        **{f"{name}_p95": percentile(values, 0.95) for name, values in timings.items()},
    }


def shared_buffers_ensure() -> None:
    """Give the catalog's embedded server SHARED_BUFFERS (ALTER SYSTEM, then a restart) when it has less.

    HNSW is fast only while its index is in memory: the embedded default, 128 MB, cannot hold the
    100,000-product index (194 MB), and a production server is sized to hold it (see Scaling).
    """
    import pgserver
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setting::bigint * 8192 >= %s FROM pg_settings WHERE name = 'shared_buffers'", [SHARED_BUFFERS_BYTES]
        )
        if cursor.fetchone()[0]:
            return
        cursor.execute(f"ALTER SYSTEM SET shared_buffers = '{SHARED_BUFFERS_BYTES // 2**20}MB'")
    connection.close()
    datadir = Path(os.environ["EMBEDDED_POSTGRES_DIR"])
    server = pgserver.get_server(datadir, cleanup_mode=None)
    pgserver.pg_ctl(["-w", "-m", "fast", "restart"], pgdata=datadir, user=server.system_user, timeout=120)


def shop_image_encoder() -> list[str] | None:
    """(name, artifact, SHA-256) of the live image encoder in the shop's own database (`make setup` trains one)."""
    import django

    sys.path.insert(0, str(ROOT))
    from config.environment import django_environment_prepare

    django_environment_prepare()
    django.setup()
    from search.models import ImageEncoderVersion

    live = ImageEncoderVersion.objects.filter(is_live=True).first()
    return None if live is None else [live.name, live.artifact, live.artifact_sha256]


def image_encoder_ensure(*, size: int) -> list[str] | None:
    """(name, artifact, SHA-256) of this catalog's live image encoder, made on first use.

    Training one per size would take hours at 100,000 products on 2 cores, and the encoder's cost
    at search time does not depend on the catalog: each size gets the shop's own live encoder, or the
    one the size before it got, passed on in BENCH_IMAGE_ENCODER (the artifacts directory is shared),
    with every picture embedded by it as publishing it would. Without any, a demo-sized catalog
    trains its own.
    """
    from django.core.management import call_command

    from ml.encoders import text_encoder_name
    from search.image_training import image_encoder_version_activate
    from search.models import ImageEncoderRun, ImageEncoderVersion

    live = ImageEncoderVersion.objects.filter(is_live=True).first()
    if live is None and os.environ.get("BENCH_IMAGE_ENCODER"):
        name, artifact, sha256 = json.loads(os.environ["BENCH_IMAGE_ENCODER"])
        run = ImageEncoderRun.objects.create(starting_point="resnet18", status="succeeded", in_progress=None)
        live = ImageEncoderVersion.objects.create(
            run=run, name=name, artifact=artifact, artifact_sha256=sha256, text_encoder=text_encoder_name()
        )
        image_encoder_version_activate(version=live)
    elif live is None and size <= 5000:
        call_command("train_image_encoder", "--wait", "--force")
        live = ImageEncoderVersion.objects.filter(is_live=True).first()
    return None if live is None else [live.name, live.artifact, live.artifact_sha256]


def photo_search_timings(*, rounds: int, photos: int = 40) -> dict[str, list[float]]:
    """Photo search end to end: the upload decoded and checked, encoded by the live image encoder, HNSW.

    Empty when no image encoder is live (train one with `manage.py train_image_encoder`).
    """
    import random
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile

    from ml.encoders import EncoderUnavailable
    from search.evaluation_images import catalog_pictures_load, photo_distort
    from search.image_encoders import live_image_encoder_get
    from search.photos import photo_open
    from search.selectors import product_image_search

    try:
        live_image_encoder_get()
    except EncoderUnavailable:
        return {}
    rng = random.Random(5)
    pictures = catalog_pictures_load(size=256, limit=photos)
    uploads = []
    for image in pictures.images:
        buffer = BytesIO()
        photo_distort(image=image, rng=rng).save(buffer, format="JPEG", quality=85)
        uploads.append(buffer.getvalue())
    timings: list[float] = []
    for _ in range(rounds):
        for content in uploads:
            start = time.perf_counter()
            product_image_search(image=photo_open(upload=SimpleUploadedFile("photo.jpg", content)))
            timings.append((time.perf_counter() - start) * 1000)
    return {"photo": timings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--no-photos",
        dest="photos",
        action="store_false",
        help="Time text search only (no image encoder is put on the benchmark catalogs).",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--shop-image-encoder", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.shop_image_encoder:
        print(json.dumps(shop_image_encoder()))
        return
    if args.child:
        print(json.dumps(measure(rounds=args.rounds)))
        return

    found = (
        subprocess.run([sys.executable, __file__, "--shop-image-encoder"], capture_output=True, text=True)
        if args.photos
        else subprocess.CompletedProcess(args=[], returncode=1)
    )
    rows: list[dict] = (
        [{"image_encoder": json.loads(found.stdout.strip().splitlines()[-1])}] if found.returncode == 0 else []
    )
    for size in [int(value) for value in args.sizes.split(",")]:
        env = {
            **os.environ,
            "BENCH_SIZE": str(size),
            "BENCH_PHOTOS": "1" if args.photos else "0",
            "EMBEDDED_POSTGRES_DIR": str(ROOT / "var" / "bench" / f"pg-{size}"),
            # Each catalog caches its own category tree, brands and sizes, apart from the shop's.
            "CACHE_KEY_PREFIX": f"bench-search-{size}",
        }
        env.pop("DATABASE_URL", None)
        if rows and rows[-1].get("image_encoder"):
            env["BENCH_IMAGE_ENCODER"] = json.dumps(rows[-1]["image_encoder"])
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--rounds", str(args.rounds)], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            sys.exit(f"size {size} failed:\n{done.stderr[-3000:]}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    rows = [row for row in rows if "products" in row]

    print(
        f"{'products':>9} {'queries':>8} {'lexical p50':>12} {'lexical p95':>12} {'hybrid p50':>11} {'hybrid p95':>11} {'hybrid/lexical p95':>19}"
    )
    for row in rows:
        if "photo_p50" in row:
            print(
                f"{row['products']:>9,} photo search (decode + encode + HNSW): p50 {row['photo_p50']:.1f}ms p95 {row['photo_p95']:.1f}ms"
            )
    for row in rows:
        print(
            f"{row['products']:>9,} {row['queries']:>8} {row['lexical_p50']:>10.1f}ms {row['lexical_p95']:>10.1f}ms "
            f"{row['hybrid_p50']:>9.1f}ms {row['hybrid_p95']:>9.1f}ms {row['hybrid_p95'] / row['lexical_p95']:>18.2f}×"
            f"   (PostgreSQL shared_buffers {row['shared_buffers']})"
        )


if __name__ == "__main__":
    main()
