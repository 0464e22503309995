"""Scale out on one machine: 1 then 2 gunicorn instances and 1 then 2 Celery workers on the same PostgreSQL and Redis.

    python bench/scale.py [--duration 30] [--clients 8] [--embed-products 300] [--summaries 4] [--redis-db 10]

Needs the worktree's seeded dev database (`manage.py migrate && manage.py seed_demo --if-empty &&
manage.py train_recommender --wait --if-none`). It starts everything it measures on 127.0.0.1 and
stops it at the end:
- web: N separate gunicorn processes (config/gunicorn.py, one sync worker each, ML_PRELOAD on,
  DEBUG off), each on its own port; the bench's clients send request k to instance k mod N
  (round-robin), so consecutive requests of one shopper land on different instances;
- load: --clients threads for --duration seconds, read-heavy: the home page of a signed-in
  shopper with a history (recommendations), the search page with the labelled queries, product
  pages; throughput and p50/p95 per configuration, then the 2-instance / 1-instance ratio;
- statelessness: one shopper signs in on instance A, adds to the cart on B, sees the cart on A,
  checks out on B and finds the order on A;
- tasks: N Celery workers (queues default and ml, concurrency 1); a burst of --embed-products
  product embeddings (their text hashes cleared so that the idempotent task really encodes,
  20 a task) and --summaries review summaries (their review-set hashes cleared), timed until
  every task has finished; tasks/min per configuration and the ratio.
Redis: the local server, database --redis-db (tasks and cache of this bench only; flushed first).
"""

import argparse
import itertools
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOG_DIR = ROOT / "var" / "bench" / "scale-logs"
HOST = "127.0.0.1"
sys.path.insert(0, str(ROOT))


def port_free() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def environment(*, redis_db: int) -> dict:
    env = {
        **os.environ,
        "REDIS_URL": f"redis://{HOST}:6379/{redis_db}",
        "DEBUG": "false",
        "ML_PRELOAD": "true",
        "ALLOWED_HOSTS": HOST,
        # One address for every bench client: the per-client limits would measure themselves.
        "RATE_LIMIT_SEARCH": "1000000/m",
        "EVENT_RATE_VIEWS": "1000000/m",
        "EVENT_RATE_NEW_VISITORS": "1000000/h",
        "LOGIN_THROTTLE_ADDRESS_FAILURES": "1000000",
        # The demo shopper checks out once per run; earlier runs' unpaid orders must not refuse it.
        "CHECKOUT_MAX_UNPAID_ORDERS": "1000000",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    return env


class Fleet:
    """The processes of one configuration; stopped by their ids, their children with their process group."""

    def __init__(self, *, env: dict):
        self.env = env
        self.processes: list[subprocess.Popen] = []
        self.urls: list[str] = []

    def start(self, args: list[str], *, log_name: str) -> subprocess.Popen:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        with (LOG_DIR / log_name).open("a") as log:
            process = subprocess.Popen(
                args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)
        return process

    def workers_start(self, *, count: int) -> None:
        for index in range(count):
            self.start(
                [
                    str(BIN / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    "default,ml",
                    "--concurrency",
                    "1",
                    "--hostname",
                    f"scale{index}@%h",
                    "--loglevel",
                    "WARNING",
                    "--without-gossip",
                    "--without-mingle",
                ],
                log_name=f"worker-{index}.log",
            )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()
        self.urls.clear()


def web_fleet_start(*, env: dict, instances: int) -> Fleet:
    import httpx

    fleet = Fleet(env=env)
    for index in range(instances):
        port = port_free()
        fleet.env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_WORKERS": "1", "GUNICORN_TIMEOUT": "120"}
        fleet.start(
            [str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi:application"], log_name=f"web-{index}.log"
        )
        fleet.urls.append(f"http://{HOST}:{port}")
    deadline = time.monotonic() + 240
    for url in fleet.urls:
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                fleet.stop()
                sys.exit(f"{url} did not become ready; see {LOG_DIR}.")
            time.sleep(1)
    return fleet


class RoundRobin:
    def __init__(self, urls: list[str]):
        self._next = itertools.cycle(urls)
        self._lock = threading.Lock()

    def url(self) -> str:
        with self._lock:
            return next(self._next)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def form_fields(html: str) -> dict:
    """The values a browser would send from the page's form: hidden inputs and checked choices."""
    fields = {}
    for tag in re.findall(r"<input[^>]+>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and value and ('type="hidden"' in tag or "checked" in tag):
            fields[name.group(1)] = value.group(1)
    return fields


def sign_in(*, client, base: str, username: str, password: str) -> None:
    page = client.get(f"{base}/accounts/login/")
    answer = client.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": csrf_of(page.text)},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in answered {answer.status_code}")


def load_run(*, urls: list[str], clients: int, duration: float, paths: dict, shopper: tuple[str, str]) -> dict:
    """--clients threads, each its own session (one signed in as the demo shopper), round-robin over the instances."""
    import httpx

    balancer = RoundRobin(urls)
    latencies: dict[str, list[float]] = {"home": [], "search": [], "product": []}
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client_loop(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(timeout=60, follow_redirects=False) as client:
            if seed % 2 == 0:
                sign_in(client=client, base=balancer.url(), username=shopper[0], password=shopper[1])
            while time.monotonic() < stop_at:
                kind = rng.choices(["home", "search", "product"], weights=[3, 4, 5])[0]
                path = (
                    "/"
                    if kind == "home"
                    else f"/search/?q={rng.choice(paths['queries'])}"
                    if kind == "search"
                    else rng.choice(paths["products"])
                )
                started = time.perf_counter()
                try:
                    status = client.get(balancer.url() + path).status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    if status == 200:
                        latencies[kind].append(elapsed)
                    else:
                        errors.append(f"{kind} {status}")

    threads = [threading.Thread(target=client_loop, args=(seed,)) for seed in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    everything = [value for values in latencies.values() for value in values]
    return {
        "requests": len(everything),
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "throughput": len(everything) / wall,
        "p50_ms": percentile(everything, 0.5) * 1000,
        "p95_ms": percentile(everything, 0.95) * 1000,
        **{f"{kind}_p95_ms": percentile(values, 0.95) * 1000 for kind, values in latencies.items()},
    }


def statelessness_check(*, urls: list[str], shopper: tuple[str, str], product_id: int) -> list[tuple[bool, str]]:
    """Consecutive requests of one shopper on alternating instances: session, cart and checkout hold."""
    import httpx

    from tests.factories import CHECKOUT_ADDRESS

    a, b = urls[0], urls[-1]
    results = []
    with httpx.Client(timeout=60) as client:
        sign_in(client=client, base=a, username=shopper[0], password=shopper[1])
        account = client.get(f"{b}/account/")
        results.append(
            (account.status_code == 200, f"signed in on {a}, the account page on {b}: {account.status_code}")
        )
        cart_page = client.get(f"{a}/cart/")
        added = client.post(
            f"{b}/cart/add/{product_id}/",
            data={"quantity": "1", "csrfmiddlewaretoken": csrf_of(cart_page.text)},
            headers={"Referer": f"{b}/cart/"},
        )
        cart = client.get(f"{a}/cart/")
        in_cart = added.status_code in (200, 302) and "/cart/lines/" in cart.text
        results.append((in_cart, f"added on {b} ({added.status_code}), the cart on {a} holds it"))
        checkout_page = client.get(f"{b}/checkout/")
        placed = client.post(
            f"{a}/checkout/",
            data={**form_fields(checkout_page.text), **CHECKOUT_ADDRESS},
            headers={"Referer": f"{a}/checkout/"},
        )
        order_url = placed.headers.get("location", "")
        results.append(
            (
                placed.status_code == 302 and "/account/orders/" in order_url,
                f"checkout page on {b}, order placed on {a}: {placed.status_code} → {order_url}",
            )
        )
        if order_url:
            order = client.get(b + order_url if order_url.startswith("/") else order_url)
            results.append((order.status_code == 200, f"the order page on {b}: {order.status_code}"))
    return results


def burst_prepare(*, embed_products: int, summaries: int) -> tuple[list[list[int]], list[int]]:
    """Products whose text hash is cleared (so embedding them is real work) and products whose summary is stale."""
    from django.db.models import Count, Q

    from reviews.models import ReviewSummary
    from shop.models import Product

    ids = list(Product.objects.filter(is_active=True).order_by("?").values_list("pk", flat=True)[:embed_products])
    Product.objects.filter(pk__in=ids).update(text_hash="")
    chunks = [ids[start : start + 20] for start in range(0, len(ids), 20)]
    reviewed = list(
        Product.objects.annotate(published=Count("reviews", filter=Q(reviews__is_published=True)))
        .filter(published__gte=4)
        .order_by("?")
        .values_list("pk", flat=True)[:summaries]
    )
    ReviewSummary.objects.filter(product_id__in=reviewed).update(review_hash="", is_stale=True)
    return chunks, reviewed


def burst_run(*, env: dict, workers: int, embed_products: int, summaries: int) -> dict:
    from config.celery import app
    from reviews.tasks import review_summary_task
    from search.tasks import products_embed_task

    chunks, reviewed = burst_prepare(embed_products=embed_products, summaries=summaries)
    fleet = Fleet(env=env)
    fleet.workers_start(count=workers)
    try:
        deadline = time.monotonic() + 180
        while len(app.control.ping(timeout=2) or []) < workers:
            if time.monotonic() > deadline:
                sys.exit(f"{workers} Celery workers did not answer; see {LOG_DIR}.")
        started = time.monotonic()
        results = [products_embed_task.delay(chunk) for chunk in chunks]
        results += [review_summary_task.delay(product_id) for product_id in reviewed]
        outcomes = [result.get(timeout=600, propagate=False) for result in results]
        seconds = time.monotonic() - started
    finally:
        fleet.stop()
    embedded = sum(outcome.get("text_embedded", 0) for outcome in outcomes if isinstance(outcome, dict))
    generated = sum(outcome.get("generated", 0) for outcome in outcomes if isinstance(outcome, dict))
    failed = sum(1 for outcome in outcomes if not isinstance(outcome, dict))
    return {
        "tasks": len(results),
        "seconds": seconds,
        "tasks_per_min": len(results) / seconds * 60,
        "products_embedded": embedded,
        "summaries_generated": generated,
        "failed": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--embed-products", type=int, default=300)
    parser.add_argument("--summaries", type=int, default=4)
    parser.add_argument("--redis-db", type=int, default=10)
    parser.add_argument("--skip-tasks", action="store_true")
    options = parser.parse_args()
    if not 0 <= options.redis_db < 16:
        sys.exit("--redis-db must be 0-15.")

    env = environment(redis_db=options.redis_db)
    os.environ.update({key: env[key] for key in ("REDIS_URL", "ALLOWED_HOSTS")})
    from config.environment import django_environment_prepare

    django_environment_prepare()
    env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    import django

    django.setup()
    import redis

    from recommender.models import ModelVersion
    from shop.demo.seed import DEMO_PASSWORD
    from shop.demo.shoppers import DEMO_USERNAME
    from shop.models import Product

    if not Product.objects.exists():
        sys.exit("Seed first: manage.py seed_demo --if-empty && manage.py train_recommender --wait --if-none")
    if not ModelVersion.objects.filter(is_live=True).exists():
        print("No live recommender (manage.py train_recommender --wait --if-none): the home page shows trending.")
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    queries = [
        item["query"] for item in json.loads((ROOT / "search" / "evaluation_queries.json").read_text())["queries"]
    ][:40]
    products = [p.get_absolute_url() for p in Product.objects.filter(is_active=True).order_by("?")[:200]]
    paths = {"queries": queries, "products": products}
    shopper = (DEMO_USERNAME, DEMO_PASSWORD)
    in_stock = Product.objects.filter(is_active=True, stock__gte=5).values_list("pk", flat=True).first()

    print(f"Scale bench: {os.cpu_count()} cores, {options.clients} clients, {options.duration:.0f} s per configuration")
    web: dict[int, dict] = {}
    for instances in (1, 2):
        fleet = web_fleet_start(env=env, instances=instances)
        try:
            load_run(urls=fleet.urls, clients=2, duration=5, paths=paths, shopper=shopper)  # warm the caches
            web[instances] = load_run(
                urls=fleet.urls, clients=options.clients, duration=options.duration, paths=paths, shopper=shopper
            )
            if instances == 2:
                checks = statelessness_check(urls=fleet.urls, shopper=shopper, product_id=in_stock)
        finally:
            fleet.stop()
        row = web[instances]
        print(
            f"  web x{instances}: {row['throughput']:.1f} req/s, p50 {row['p50_ms']:.0f} ms, p95 {row['p95_ms']:.0f} ms "
            f"(home {row['home_p95_ms']:.0f}, search {row['search_p95_ms']:.0f}, product {row['product_p95_ms']:.0f}), "
            f"{row['requests']} ok, {row['errors']} errors {row['error_kinds']}"
        )
    print(
        f"  ratio 2/1: throughput x{web[2]['throughput'] / web[1]['throughput']:.2f}, "
        f"p95 x{web[2]['p95_ms'] / web[1]['p95_ms']:.2f}"
    )
    print("Statelessness (consecutive requests on different instances):")
    for ok, what in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")

    tasks: dict[int, dict] = {}
    if not options.skip_tasks:
        for workers in (1, 2):
            tasks[workers] = burst_run(
                env=env, workers=workers, embed_products=options.embed_products, summaries=options.summaries
            )
            row = tasks[workers]
            print(
                f"  celery x{workers}: {row['tasks']} tasks in {row['seconds']:.1f} s = {row['tasks_per_min']:.1f} tasks/min "
                f"({row['products_embedded']} products embedded, {row['summaries_generated']} summaries, "
                f"{row['failed']} failed)"
            )
        print(f"  ratio 2/1: tasks/min x{tasks[2]['tasks_per_min'] / tasks[1]['tasks_per_min']:.2f}")
    sys.exit(0 if all(ok for ok, _ in checks) else 1)


if __name__ == "__main__":
    main()
