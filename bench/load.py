"""Load with invariants: the whole shop on 127.0.0.1 under visitors and shoppers, then checks in its database.

    python bench/load.py [--duration 60] [--users 20] [--products 500] [--redis-outage | --no-redis-outage] [--keep]

It starts what it measures, on 127.0.0.1 only, and stops it at the end (--keep leaves it up):
- a redis-server of its own on a free port, without persistence, so that it can stop Redis;
- the embedded PostgreSQL under var/bench/load-pg (EMBEDDED_POSTGRES_DIR), seeded on first use
  with `seed_demo --products N --users 200` (the women's clothing department with its real
  reviews included) and `train_recommender --wait --if-none`; later runs reuse it;
- gunicorn (config.wsgi: development settings with DEBUG off, 2 sync workers) and one Celery
  worker (queues default and ml, concurrency 1).
All clients share one address, so the API's per-client rate limits are lifted for the bench
(API_THROTTLE_ANON, API_THROTTLE_USER), and so is the cap on unpaid pay-on-delivery orders
(CHECKOUT_MAX_UNPAID_ORDERS: every bench shopper orders again and again); a 429 from any other
limit is reported as throttled.

Locust drives it for --duration seconds (headless, in a child process: gevent patches the
interpreter it runs in), half the users visitors and half shoppers:
- visitors: home, category and product pages, the search page and API (the labelled queries of
  search/evaluation_queries.json), photo search with a product's picture (503 "unavailable" is
  the expected answer on a machine without CLIP weights);
- shoppers, each its own account with an API token (demo, seeded shoppers with a history and a
  few new sign-ups): recommendations, product pages, cart add (of a size: a variant) and checkout
  with a new idempotency key; some keys are sent again afterwards and some twice at once. Four
  "hot" sizes get 3 units of stock before each run, so shoppers race for the last ones.

Then it checks through the Django ORM: orders made = checkouts answered 201, no stock below
zero, each product's stock the sum of its sizes', every order has lines, one order per
idempotency key, repeated keys answered 200 with the same order, stock taken per size = units
ordered. It exits 1 when one fails.

By default it runs twice: steady, then with Redis stopped from 1/3 to 2/3 of the duration
(--redis-outage runs only that one, --no-redis-outage only the steady one).
"""

import argparse
import itertools
import json
import math
import mimetypes
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
LOG_DIR = BENCH_DIR / "load-logs"
BIN_DIR = Path(sys.executable).parent
HOST = "127.0.0.1"
GUNICORN_WORKERS = 2
HOT_PRODUCTS = 4
HOT_STOCK = 3
NEW_SHOPPERS = 5
SEED_USERS = 200
REQUEST_TIMEOUT_S = 30
# Users finish the task they are in when the time is up (a checkout is never cut in half), within this.
STOP_TIMEOUT_S = 30
RECOVERY_TIMEOUT_S = 60
SEQUENTIAL_REPEAT_SHARE = 0.3
DOUBLE_SUBMIT_SHARE = 0.15
ADDRESS = {
    "full_name": "Load Bench",
    "address_line1": "1 Loopback Street",
    "city": "Localhost",
    "postal_code": "LB1 27",
    "country": "GB",
    "payment_method": "manual",
}
# Answers that are the shop doing its job, not failing: (endpoint, status) → what they mean.
EXPECTED_ANSWERS = {
    ("POST /api/search/image/", 503): 'photo search "unavailable" (no CLIP weights here)',
    ("POST /api/cart/lines/", 409): "cart add: nothing left in stock",
    ("POST /api/orders/", 409): "checkout: stock ran out since the cart was read",
}


def port_free_get() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


# --- the locust child -------------------------------------------------------------------------


def answer_classify(*, name: str, status: int, body: str) -> str:
    """ok, expected (the shop said no for a reason of its own), throttled or error."""
    if 200 <= status < 400:
        return "ok"
    if status == 429:
        return "throttled"
    if (name, status) in EXPECTED_ANSWERS and (status != 503 or "unavailable" in body):
        return "expected"
    return "error"


def load_drive(*, spec: dict, out: Path) -> None:
    """Run locust for spec["duration"] seconds and write every request and every checkout answer to `out`."""
    import gevent
    from locust import HttpUser, between, events, task
    from locust.env import Environment
    from locust.log import setup_logging

    setup_logging("WARNING")
    pick = random.Random(spec["seed"])
    samples: list[list] = []
    submissions: list[dict] = []
    sources: Counter = Counter()
    tokens = iter(spec["tokens"])
    photos = [(Path(path).name, Path(path).read_bytes(), mimetypes.guess_type(path)[0]) for path in spec["photos"]]

    @events.request.add_listener
    def request_record(*, name: str, response_time: float, response, exception, start_time: float, **kwargs) -> None:
        status = getattr(response, "status_code", 0) or 0
        body = response.text if status and status >= 400 else ""
        kind = answer_classify(name=name, status=status, body=body) if status else "error"
        detail = "" if status else type(exception).__name__
        samples.append([name, status, response_time, start_time, kind, detail])

    class Visitor(HttpUser):
        wait_time = between(0.5, 2)
        host = spec["base_url"]

        @task(3)
        def home(self) -> None:
            self.client.get("/", name="GET /", timeout=REQUEST_TIMEOUT_S)

        @task(3)
        def category(self) -> None:
            slug = pick.choice(spec["category_slugs"])
            self.client.get(f"/c/{slug}/", name="GET /c/{slug}/", timeout=REQUEST_TIMEOUT_S)

        @task(4)
        def product(self) -> None:
            slug = pick.choice(spec["product_slugs"])
            self.client.get(f"/p/{slug}/", name="GET /p/{slug}/", timeout=REQUEST_TIMEOUT_S)

        @task(3)
        def search_page(self) -> None:
            query = pick.choice(spec["queries"])
            self.client.get("/search/", params={"q": query}, name="GET /search/?q=", timeout=REQUEST_TIMEOUT_S)

        @task(1)
        def search_api(self) -> None:
            query = pick.choice(spec["queries"])
            self.client.get("/api/search/", params={"q": query}, name="GET /api/search/?q=", timeout=REQUEST_TIMEOUT_S)

        @task(2)
        def photo_search(self) -> None:
            self.client.post(
                "/api/search/image/",
                files={"photo": pick.choice(photos)},
                name="POST /api/search/image/",
                timeout=REQUEST_TIMEOUT_S,
            )

    class Shopper(HttpUser):
        wait_time = between(0.5, 2)
        host = spec["base_url"]

        def on_start(self) -> None:
            self.client.headers["Authorization"] = f"Token {next(tokens)}"

        @task(3)
        def recommendations(self) -> None:
            response = self.client.get(
                "/api/recommendations/", params={"k": 12}, name="GET /api/recommendations/", timeout=REQUEST_TIMEOUT_S
            )
            if response.status_code == 200:
                sources[response.json().get("source", "?")] += 1

        @task(2)
        def product(self) -> None:
            slug = pick.choice(spec["product_slugs"])
            self.client.get(f"/p/{slug}/", name="GET /p/{slug}/", timeout=REQUEST_TIMEOUT_S)

        @task(2)
        def checkout(self) -> None:
            variant_ids = spec["hot_variant_ids"] if pick.random() < 0.5 else spec["variant_ids"]
            self.client.post(
                "/api/cart/lines/",
                json={"variant": pick.choice(variant_ids), "quantity": 1},
                name="POST /api/cart/lines/",
                timeout=REQUEST_TIMEOUT_S,
            )
            signature = self._cart_confirm()
            if signature is None:
                return
            body = {**ADDRESS, "email": "load-bench@example.test", "signature": signature}
            body["idempotency_key"] = str(uuid.uuid4())
            roll = pick.random()
            if roll < DOUBLE_SUBMIT_SHARE:
                both = [gevent.spawn(self._order_submit, body=body, mode="double") for _ in range(2)]
                gevent.joinall(both)
                return
            status = self._order_submit(body=body, mode="first")
            if status == 201 and roll < DOUBLE_SUBMIT_SHARE + SEQUENTIAL_REPEAT_SHARE:
                self._order_submit(body=body, mode="again")

        def _cart_confirm(self) -> str | None:
            """The cart's signature once lines the shop cannot sell in full are removed, as a client reading it would."""
            for _ in range(2):
                response = self.client.get("/api/cart/", name="GET /api/cart/", timeout=REQUEST_TIMEOUT_S)
                if response.status_code != 200:
                    return None
                cart = response.json()
                short = [line for line in cart["lines"] if line["variant"]["stock"] < line["quantity"]]
                if not short:
                    return cart["signature"] if cart["lines"] else None
                for line in short:
                    self.client.delete(
                        f"/api/cart/lines/{line['id']}/",
                        name="DELETE /api/cart/lines/{id}/",
                        timeout=REQUEST_TIMEOUT_S,
                    )
            return None

        def _order_submit(self, *, body: dict, mode: str) -> int:
            record = {"key": body["idempotency_key"], "mode": mode, "status": None, "number": None}
            # Recorded before sending: a submission the bench never saw answered still shows in the report.
            submissions.append(record)
            response = self.client.post("/api/orders/", json=body, name="POST /api/orders/", timeout=REQUEST_TIMEOUT_S)
            record["status"] = response.status_code or 0
            if response.status_code in (200, 201):
                record["number"] = response.json().get("number")
            return record["status"]

    shoppers = math.ceil(spec["users"] / 2)
    if shoppers > len(spec["tokens"]):
        sys.exit(f"{shoppers} shoppers need as many accounts; the bench made {len(spec['tokens'])}.")
    Visitor.fixed_count = spec["users"] - shoppers
    Shopper.fixed_count = shoppers
    environment = Environment(user_classes=[Visitor, Shopper], events=events, stop_timeout=STOP_TIMEOUT_S)
    runner = environment.create_local_runner()
    started = time.time()
    runner.start(spec["users"], spawn_rate=spec["users"])
    print(f"RUNNING {started}", flush=True)
    gevent.spawn_later(spec["duration"], runner.quit)
    runner.greenlet.join()
    out.write_text(
        json.dumps(
            {
                "started": started,
                "stopped": time.time(),
                "visitors": Visitor.fixed_count,
                "shoppers": Shopper.fixed_count,
                "samples": samples,
                "submissions": submissions,
                "sources": dict(sources),
            }
        )
    )


# --- services the bench starts ----------------------------------------------------------------


class Services:
    """The processes this bench started, and how to stop each of them."""

    def __init__(self) -> None:
        self.redis_port = port_free_get()
        self.web_port = port_free_get()
        self.redis: subprocess.Popen | None = None
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.postgres_pid: int | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.web_port}"

    def redis_start(self) -> None:
        with (LOG_DIR / "redis.log").open("a") as log:
            self.redis = subprocess.Popen(
                ["redis-server", "--bind", HOST, "--port", str(self.redis_port), "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"redis://{HOST}:{self.redis_port}/0"
        from config.services import redis_answers

        deadline = time.monotonic() + 15
        while not redis_answers(url=url):
            if time.monotonic() > deadline or self.redis.poll() is not None:
                sys.exit(f"redis-server did not start on port {self.redis_port}; see {LOG_DIR / 'redis.log'}.")
            time.sleep(0.1)

    def redis_stop(self) -> None:
        process_stop(process=self.redis, grace_s=10)
        self.redis = None

    def web_start(self) -> None:
        with (LOG_DIR / "gunicorn.log").open("a") as log:
            self.web = subprocess.Popen(
                [
                    str(BIN_DIR / "gunicorn"),
                    "config.wsgi",
                    "--workers",
                    str(GUNICORN_WORKERS),
                    "--bind",
                    f"{HOST}:{self.web_port}",
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "10",
                ],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def worker_start(self) -> None:
        with (LOG_DIR / "celery.log").open("a") as log:
            self.worker = subprocess.Popen(
                [
                    str(BIN_DIR / "celery"),
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    "default,ml",
                    "--concurrency",
                    "1",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def ready_wait(self, *, timeout_s: float) -> None:
        import requests  # locust's HTTP client, installed with it

        from config.celery import app

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if requests.get(f"{self.base_url}/", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or self.web.poll() is not None:
                sys.exit(f"gunicorn did not answer on {self.base_url}; see {LOG_DIR / 'gunicorn.log'}.")
            time.sleep(0.5)
        while not app.control.ping(timeout=1):
            if time.monotonic() > deadline or self.worker.poll() is not None:
                sys.exit(f"the Celery worker did not answer; see {LOG_DIR / 'celery.log'}.")

    def worker_recovery_measure(self, *, since: float, timeout_s: float, found: dict) -> None:
        """Ping the Celery worker from `since` (Redis back) until it answers; its delay in found["seconds"]."""
        import redis

        from config.celery import app

        while time.time() < since + timeout_s:
            try:
                if app.control.ping(timeout=1):
                    found["seconds"] = time.time() - since
                    return
            except (redis.RedisError, OSError):
                # This process's pooled broker connection died with the old Redis; the next ping opens another.
                time.sleep(0.5)

    def postgres_stop(self) -> None:
        """PostgreSQL's documented fast shutdown (SIGINT to the postmaster), then wait for it to go."""
        if self.postgres_pid is None:
            return
        try:
            os.kill(self.postgres_pid, signal.SIGINT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(self.postgres_pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        print(f"PostgreSQL (pid {self.postgres_pid}) did not stop within 30 s.")

    def all_stop(self) -> None:
        process_stop(process=self.web, grace_s=15)
        process_stop(process=self.worker, grace_s=20)
        self.redis_stop()
        self.postgres_stop()


def process_stop(*, process: subprocess.Popen | None, grace_s: float) -> None:
    """SIGTERM to a process the bench started, then SIGKILL to its own process group (its workers) if it lingers."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def command_run(*, args: list[str], timeout_s: int) -> float:
    """A manage.py command, its output in the setup log; its seconds."""
    start = time.monotonic()
    with (LOG_DIR / "setup.log").open("a") as log:
        log.write(f"\n$ manage.py {' '.join(args)}\n")
        log.flush()
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout_s,
            # Tasks queued while seeding run in the command itself, not later in the worker during a run.
            env={**os.environ, "CELERY_TASK_ALWAYS_EAGER": "true"},
        )
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed; see {LOG_DIR / 'setup.log'}.")
    return time.monotonic() - start


# --- the shop's data, through the ORM -------------------------------------------------------------


def shoppers_prepare(*, count: int) -> list[str]:
    """API tokens for `count` shoppers: demo, a few new sign-ups (the sign-up service), seeded shoppers with a history."""
    from django.contrib.auth import get_user_model

    from shop.demo.shoppers import DEMO_USERNAME
    from shop.services.accounts import api_token_get_or_create, user_create

    users = get_user_model().objects
    chosen = [users.get(username=DEMO_USERNAME)]
    for index in range(min(NEW_SHOPPERS, count - 1)):
        email = f"load-shopper-{index}@example.test"
        chosen.append(users.filter(username=email).first() or user_create(email=email, password=uuid.uuid4().hex))
    seeded = (
        users.filter(is_staff=False, interactions__isnull=False)
        .exclude(pk__in=[user.pk for user in chosen])
        .distinct()
        .order_by("pk")[: max(0, count - len(chosen))]
    )
    chosen += list(seeded)
    return [api_token_get_or_create(user=user).key for user in chosen]


def catalog_sample(*, seed: int) -> dict:
    from search.text_evaluation import evaluation_queries
    from shop.models import Category, Product, ProductVariant

    active = Product.objects.filter(is_active=True)
    # Shoppers buy sizes: a variant with stock, of any product (one-version products have one variant).
    in_stock = list(
        ProductVariant.objects.filter(product__is_active=True, stock__gte=10)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    pick = random.Random(seed)
    with_pictures = list(active.exclude(image="").order_by("pk")[:200])
    if not with_pictures:
        sys.exit("The bench catalog has no product pictures to search with.")
    return {
        "category_slugs": list(Category.objects.values_list("slug", flat=True)),
        "product_slugs": list(active.values_list("slug", flat=True)),
        "variant_ids": in_stock,
        "hot_variant_ids": pick.sample(in_stock, HOT_PRODUCTS),
        "queries": [item["query"] for item in evaluation_queries()],
        "photos": [product.image.path for product in pick.sample(with_pictures, min(5, len(with_pictures)))],
    }


def database_snapshot() -> dict:
    from django.db.models import Max

    from shop.models import Order, ProductVariant

    return {
        "last_order_id": Order.objects.aggregate(last=Max("pk"))["last"] or 0,
        "stock": dict(ProductVariant.objects.values_list("pk", "stock")),
    }


def hot_variants_restock(*, variant_ids: list[int]) -> None:
    from shop.models import ProductVariant
    from shop.services.stock import variant_stock_set

    for variant in ProductVariant.objects.filter(pk__in=variant_ids):
        variant_stock_set(variant=variant, stock=HOT_STOCK)


def invariants_check(*, before: dict, submissions: list[dict]) -> list[tuple[bool, str]]:
    """(holds, what) for each invariant, read from the database after the run."""
    from django.db import connections
    from django.db.models import Count, Sum

    from shop.models import Order, OrderLine, Product, ProductVariant

    connections.close_all()
    run_orders = Order.objects.filter(pk__gt=before["last_order_id"])
    order_by_key = {str(key): number for key, number in run_orders.values_list("idempotency_key", "number")}
    by_key: dict[str, list[dict]] = defaultdict(list)
    for submission in submissions:
        by_key[submission["key"]].append(submission)
    created = {s["key"] for s in submissions if s["status"] == 201}
    results = []

    unseen = [key for key in order_by_key if key not in created]
    line = f"orders made in the run ({len(order_by_key)}) = checkouts answered 201 ({len(created)})"
    if unseen:
        told = Counter(
            ",".join(str(s["status"] or "no answer") for s in by_key.get(key, [])) or "never (not the bench's key)"
            for key in unseen
        )
        line += f"; {len(unseen)} orders whose checkout was answered " + ", ".join(
            f"{answer} ({n})" for answer, n in told.most_common()
        )
    missing = created - set(order_by_key)
    if missing:
        line += f"; {len(missing)} checkouts answered 201 have no order"
    results.append((not unseen and not missing, line))

    below = Product.objects.filter(stock__lt=0).count() + ProductVariant.objects.filter(stock__lt=0).count()
    results.append((below == 0, f"no product's or size's stock below zero ({below} below)"))
    sums = ProductVariant.objects.values("product_id").annotate(units=Sum("stock"))
    totals = dict(Product.objects.values_list("pk", "stock"))
    astray = sum(1 for row in sums if totals[row["product_id"]] != row["units"])
    results.append((astray == 0, f"every product's stock is its sizes' sum ({astray} differ)"))

    bare = Order.objects.annotate(lines_count=Count("lines")).filter(lines_count=0).count()
    results.append((bare == 0, f"every order has lines ({bare} of all orders without)"))

    duplicates = Order.objects.values("user", "idempotency_key").annotate(n=Count("pk")).filter(n__gt=1).count()
    twice_created = [key for key, answers in by_key.items() if sum(a["status"] == 201 for a in answers) > 1]
    results.append(
        (
            duplicates == 0 and not twice_created,
            f"one order per idempotency key ({duplicates} keys with several orders, "
            f"{len(twice_created)} keys answered 201 twice)",
        )
    )

    # A repeated key must name the order its key made; an answer that never came or a 5xx is an error
    # (counted in the error rate), any other answer is a broken promise.
    repeats = [s for s in submissions if s["mode"] != "first"]
    failed = [s for s in repeats if not s["status"] or s["status"] >= 500]
    # A key that made no order (stock ran out) is right to be refused again, with the same 409.
    right = [
        s
        for s in repeats
        if s["number"] == order_by_key.get(s["key"])
        and (
            s["status"] == 200
            or (s["mode"] == "double" and s["status"] == 201)
            or (s["key"] not in order_by_key and s["status"] == 409)
        )
    ]
    wrong = [s for s in repeats if s not in right and s not in failed]
    again = [s for s in repeats if s["mode"] == "again"]
    doubles = [s for s in repeats if s["mode"] == "double"]
    results.append(
        (
            not wrong,
            f"repeated keys name the same order: sent again after a 201 {sum(s in right for s in again)}/{len(again)} "
            f"answered 200, double submits {sum(s in right for s in doubles)}/{len(doubles)} answers "
            f"({len(doubles) // 2} keys); {len(wrong)} wrong answers, {len(failed)} errors",
        )
    )

    units = dict(
        OrderLine.objects.filter(order__in=run_orders)
        .values("variant_id")
        .annotate(units=Sum("quantity"))
        .values_list("variant_id", "units")
    )
    after = dict(ProductVariant.objects.values_list("pk", "stock"))
    taken = {pk: before["stock"][pk] - stock for pk, stock in after.items() if pk in before["stock"]}
    mismatched = [pk for pk in taken if taken[pk] != units.get(pk, 0)]
    results.append(
        (
            not mismatched,
            f"stock taken ({sum(taken.values())} units) = units on the run's orders ({sum(units.values())}); "
            f"{len(mismatched)} sizes differ",
        )
    )
    return results


# --- figures ------------------------------------------------------------------------------------


def samples_report(*, title: str, result: dict, outage: tuple[float, float] | None) -> dict:
    """Print the per-endpoint table; return the run's overall figures."""
    samples = result["samples"]
    elapsed = result["stopped"] - result["started"]
    by_name: dict[str, list[list]] = defaultdict(list)
    for sample in samples:
        by_name[sample[0]].append(sample)

    def phase(sample: list) -> str:
        # By when the answer came: a request started just before the stop meets the missing Redis after it.
        answered = sample[3] + sample[2] / 1000
        if outage is None or answered < outage[0]:
            return "before"
        return "during" if answered < outage[1] else "after"

    print(f"\n{title}: {elapsed:.0f} s, {result['visitors']} visitors + {result['shoppers']} shoppers")
    header = f"{'endpoint':<32} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'error %':>8}"
    if outage:
        header += f" {'err% before':>11} {'during':>7} {'after':>7}"
    print(header + "  answers")
    rows = sorted(by_name.items()) + [("all", samples)]
    for name, rows_samples in rows:
        times = [s[2] for s in rows_samples]
        errors = sum(s[4] == "error" for s in rows_samples)
        answers = Counter(s[1] or s[5] or "no answer" for s in rows_samples)
        line = (
            f"{name:<32} {len(rows_samples):>8} {len(rows_samples) / elapsed:>6.1f} {percentile(times, 0.5):>7.0f} "
            f"{percentile(times, 0.95):>7.0f} {percentile(times, 0.99):>7.0f} {100 * errors / len(rows_samples):>7.1f}%"
        )
        if outage:
            for when in ("before", "during", "after"):
                in_phase = [s for s in rows_samples if phase(s) == when]
                share = 100 * sum(s[4] == "error" for s in in_phase) / len(in_phase) if in_phase else 0.0
                line += f" {share:>{11 if when == 'before' else 7}.1f}"
        print(line + "  " + " ".join(f"{status}×{n}" for status, n in sorted(answers.items(), key=str)))
    expected = Counter((s[0], s[1]) for s in samples if s[4] == "expected")
    for (name, status), n in sorted(expected.items()):
        print(f"expected, not errors: {n} × {status} {EXPECTED_ANSWERS[(name, status)]}")
    throttled = sum(s[4] == "throttled" for s in samples)
    if throttled:
        print(f"throttled (429), not counted as errors: {throttled}")
    if result["sources"]:
        total = sum(result["sources"].values())
        print(
            "recommendations served by: "
            + ", ".join(f"{source} {100 * n / total:.0f}%" for source, n in sorted(result["sources"].items()))
        )
    times = [s[2] for s in samples]
    return {
        "rps": len(samples) / elapsed,
        "p95": percentile(times, 0.95),
        "error_rate": sum(s[4] == "error" for s in samples) / len(samples),
    }


def server_errors_summarise(*, log: Path, offset: int) -> str:
    """The exceptions gunicorn's log shows since `offset`, most frequent first."""
    text = log.read_text(errors="replace")[offset:]
    internal = text.count("Internal Server Error:")
    kinds = Counter(
        match.group(1)
        for match in re.finditer(r"^([A-Za-z_][\w.]*(?:Error|Exception|Refused|Timeout)\w*): ", text, re.MULTILINE)
    )
    if not internal and not kinds:
        return "server log: no errors"
    top = ", ".join(f"{kind} ×{n}" for kind, n in kinds.most_common(3))
    return f"server log: {internal} 'Internal Server Error' entries; exceptions: {top or 'none named'}"


# --- one run ------------------------------------------------------------------------------------


def run_once(
    *, name: str, services: Services, spec: dict, redis_outage: bool, duration: int
) -> tuple[dict, list[tuple[bool, str]]]:
    hot_variants_restock(variant_ids=spec["hot_variant_ids"])
    before = database_snapshot()
    spec_path = BENCH_DIR / f"load-{name}-spec.json"
    out_path = BENCH_DIR / f"load-{name}-result.json"
    spec_path.write_text(json.dumps({**spec, "duration": duration}))
    out_path.unlink(missing_ok=True)
    log = LOG_DIR / "gunicorn.log"
    log_offset = len(log.read_text(errors="replace"))
    child = subprocess.Popen(
        [sys.executable, __file__, "--drive", str(spec_path), "--out", str(out_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    started = None
    for line in child.stdout:
        if line.startswith("RUNNING "):
            started = float(line.split()[1])
            break
        print(line, end="")
    # The rest of its output goes on being shown, so that the pipe never fills and stalls it.
    threading.Thread(target=lambda: [print(line, end="") for line in child.stdout], daemon=True).start()
    outage = None
    recovery: dict = {}
    prober = None
    if redis_outage and started is not None:
        outage = (started + duration / 3, started + 2 * duration / 3)
        time.sleep(max(0.0, outage[0] - time.time()))
        services.redis_stop()
        print(f"Redis stopped at {time.time() - started:.1f} s", flush=True)
        time.sleep(max(0.0, outage[1] - time.time()))
        services.redis_start()
        print(f"Redis started again at {time.time() - started:.1f} s", flush=True)
        prober = threading.Thread(
            target=services.worker_recovery_measure,
            kwargs={"since": time.time(), "timeout_s": RECOVERY_TIMEOUT_S, "found": recovery},
        )
        prober.start()
    try:
        child.wait(timeout=duration + STOP_TIMEOUT_S + 60)
    except subprocess.TimeoutExpired:
        child.kill()
        sys.exit(f"the load child did not stop within {duration + STOP_TIMEOUT_S + 60} s.")
    if child.returncode != 0 or not out_path.exists():
        sys.exit(f"the load child failed (exit {child.returncode}).")
    result = json.loads(out_path.read_text())
    if prober is not None:
        prober.join()
        print(
            f"Celery worker: answers a ping {recovery['seconds']:.1f} s after Redis came back"
            if recovery
            else f"Celery worker: no answer to a ping within {RECOVERY_TIMEOUT_S} s after Redis came back"
        )
    title = "run with Redis stopped from 1/3 to 2/3" if redis_outage else "steady run"
    figures = samples_report(title=title, result=result, outage=outage)
    print(server_errors_summarise(log=log, offset=log_offset))
    unanswered = [s for s in result["submissions"] if s["status"] is None]
    created = sum(s["status"] == 201 for s in result["submissions"])
    print(
        f"checkouts: {created} answered 201, "
        f"{sum(s['status'] == 409 for s in result['submissions'])} answered 409, "
        f"{len(unanswered)} never answered"
    )
    checks = invariants_check(before=before, submissions=result["submissions"])
    print("invariants:")
    for holds, what in checks:
        print(f"  {'ok  ' if holds else 'FAIL'} {what}")
    return figures, checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=60, help="Seconds of load per run (default 60).")
    parser.add_argument("--users", type=int, default=20, help="Concurrent users, half visitors, half shoppers.")
    parser.add_argument("--products", type=int, default=500, help="Synthetic products seeded on first use (500).")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--redis-outage", action="store_true", help="Only the run with Redis stopped for a third.")
    which.add_argument("--no-redis-outage", action="store_true", help="Only the steady run.")
    parser.add_argument("--keep", action="store_true", help="Leave the servers up for inspection.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--drive", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drive:
        load_drive(spec=json.loads(args.drive.read_text()), out=args.out)
        return
    if not 5 <= args.duration <= 600 or not 2 <= args.users <= 200:
        parser.error("--duration must be 5–600 s and --users 2–200.")

    began = time.monotonic()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_AVAILABLE", None)
    os.environ.update(
        {
            "EMBEDDED_POSTGRES_DIR": os.environ.get("EMBEDDED_POSTGRES_DIR") or str(BENCH_DIR / "load-pg"),
            "MEDIA_ROOT": str(BENCH_DIR / "load-media"),
            "ARTIFACTS_DIR": str(BENCH_DIR / "load-artifacts"),
            "DJANGO_ENV": "development",
            "DJANGO_SETTINGS_MODULE": "config.settings.development",
            "DEBUG": "false",
            "API_THROTTLE_ANON": "1000000/minute",
            "API_THROTTLE_USER": "1000000/minute",
            # Every bench shopper pays on delivery and orders again and again; the cap has its own tests.
            "CHECKOUT_MAX_UNPAID_ORDERS": "1000000",
        }
    )
    sys.path.insert(0, str(ROOT))
    services = Services()
    os.environ["REDIS_URL"] = f"redis://{HOST}:{services.redis_port}/0"
    # A SIGTERM stops what the bench started, as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    all_checks: list[tuple[bool, str]] = []
    try:
        services.redis_start()
        from config.environment import django_environment_prepare

        django_environment_prepare()
        postmaster = Path(os.environ["EMBEDDED_POSTGRES_DIR"]) / "postmaster.pid"
        services.postgres_pid = int(postmaster.read_text().split()[0])
        setup = {
            "migrate": command_run(args=["migrate", "--no-input"], timeout_s=900),
            "seed": command_run(
                args=["seed_demo", "--if-empty", "--products", str(args.products), "--users", str(SEED_USERS)],
                timeout_s=3600,
            ),
            "train": command_run(args=["train_recommender", "--wait", "--if-none"], timeout_s=1800),
        }
        import django

        django.setup()
        from shop.models import Product

        spec = {
            **catalog_sample(seed=args.seed),
            "tokens": shoppers_prepare(count=math.ceil(args.users / 2)),
            "users": args.users,
            "seed": args.seed,
            "base_url": services.base_url,
        }
        services.worker_start()
        services.web_start()
        services.ready_wait(timeout_s=180)
        warmed = warm_up(base_url=services.base_url, spec=spec)
        print(
            f"shop: {Product.objects.filter(is_active=True).count():,} products "
            f"(seed_demo --products {args.products} --users {SEED_USERS} on first use, clothing included), "
            f"gunicorn {GUNICORN_WORKERS} workers at {services.base_url}, 1 Celery worker, redis-server :{services.redis_port}; "
            f"setup {' '.join(f'{k} {v:.0f}s' for k, v in setup.items())}, warm-up {warmed:.0f}s"
        )
        runs = [("steady", False), ("redis-outage", True)]
        if args.redis_outage:
            runs = runs[1:]
        elif args.no_redis_outage:
            runs = runs[:1]
        figures = {}
        for name, outage in runs:
            figures[name], checks = run_once(
                name=name, services=services, spec=spec, redis_outage=outage, duration=args.duration
            )
            all_checks += checks
        if len(figures) == 2:
            steady, broken = figures["steady"], figures["redis-outage"]
            print(
                f"\nRedis outage beside steady: {broken['rps']:.1f} vs {steady['rps']:.1f} req/s, "
                f"p95 {broken['p95']:.0f} vs {steady['p95']:.0f} ms, "
                f"errors {100 * broken['error_rate']:.1f}% vs {100 * steady['error_rate']:.1f}%"
            )
    finally:
        from django.apps import apps

        if apps.ready:
            from django.db import connections

            connections.close_all()
        if args.keep:
            print(
                f"\nKept up: the shop at {services.base_url} (gunicorn pid {services.web and services.web.pid}), "
                f"Celery worker pid {services.worker and services.worker.pid}, "
                f"redis-server pid {services.redis and services.redis.pid} ({os.environ['REDIS_URL']}), "
                f"PostgreSQL pid {services.postgres_pid} (DATABASE_URL={os.environ.get('DATABASE_URL')}). "
                "Stop each with kill PID."
            )
        else:
            services.all_stop()
            print("\nStopped gunicorn, the Celery worker, redis-server and the embedded PostgreSQL.")
        print(f"logs: {LOG_DIR}; total {time.monotonic() - began:.0f} s")
    if not all(holds for holds, _ in all_checks):
        sys.exit(1)


def warm_up(*, base_url: str, spec: dict) -> float:
    """Each worker loads its encoders and the recommender on first use; do that before the clock runs."""
    import requests

    start = time.monotonic()
    headers = {"Authorization": f"Token {spec['tokens'][0]}"}
    photo = Path(spec["photos"][0])
    calls = [
        lambda: requests.get(f"{base_url}/search/", params={"q": spec["queries"][0]}, timeout=120),
        lambda: requests.get(f"{base_url}/p/{spec['product_slugs'][0]}/", timeout=120),
        lambda: requests.get(f"{base_url}/api/recommendations/", headers=headers, timeout=120),
        lambda: requests.post(
            f"{base_url}/api/search/image/", files={"photo": (photo.name, photo.read_bytes())}, timeout=120
        ),
    ]
    for call in itertools.chain.from_iterable(itertools.repeat(calls, 2 * GUNICORN_WORKERS)):
        try:
            call()
        except requests.RequestException as error:
            print(f"warm-up: {error}")
    return time.monotonic() - start


if __name__ == "__main__":
    main()
