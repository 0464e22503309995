# syntax=docker/dockerfile:1
# Three images from one file (docker-compose.yml builds them):
#   web    (default)  gunicorn, the `default` Celery worker and beat: CPU torch, no vLLM, no llama.cpp
#   ml                the GPU worker (`ml` queue): CUDA torch and requirements-gpu.txt (vLLM in-process)
#   ml-cpu            the `ml` worker on a laptop: CPU torch and llama.cpp with the packaged SmolLM2
# Wheels are built in builder stages; the final images hold no compiler and run as uid 10001.
# Needs at run time DJANGO_ENV=production (set here), SECRET_KEY, DATABASE_URL, REDIS_URL, ALLOWED_HOSTS.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
# CPU-only torch wheels: the web image has no use for the 3 GB of CUDA libraries PyPI's default torch brings.
ARG TORCH_CPU_INDEX=https://download.pytorch.org/whl/cpu

FROM ${PYTHON_IMAGE} AS builder
ARG TORCH_CPU_INDEX
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Compilers for the few dependencies without a wheel (llama-cpp-python); they stay in this stage.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake git \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY requirements.txt requirements-gpu.txt requirements-llm-local.txt requirements-models.txt ./
RUN pip wheel --wheel-dir /wheels/web --extra-index-url "${TORCH_CPU_INDEX}" -r requirements.txt

FROM builder AS builder-ml-cpu
RUN cp -r /wheels/web /wheels/ml-cpu \
    && CMAKE_ARGS="-DGGML_NATIVE=OFF" pip wheel --wheel-dir /wheels/ml-cpu -r requirements-llm-local.txt \
    && pip wheel --no-deps --wheel-dir /wheels/ml-cpu -r requirements-models.txt

FROM builder AS builder-ml
# PyPI's default torch is the CUDA build; vLLM brings the CUDA kernels it was built against.
RUN pip wheel --wheel-dir /wheels/ml -r requirements.txt -r requirements-gpu.txt

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    MEDIA_ROOT=/app/var/media \
    STATIC_ROOT=/app/var/staticfiles \
    ARTIFACTS_DIR=/app/var/artifacts \
    TEXT_ENCODER_ONNX_DIR=/app/var/artifacts/onnx \
    HF_HOME=/app/var/hf
RUN useradd --create-home --uid 10001 shop
WORKDIR /app

FROM runtime AS ml
RUN --mount=type=bind,from=builder-ml,source=/wheels/ml,target=/wheels \
    pip install --no-index --find-links /wheels /wheels/*.whl
COPY --chown=10001:10001 . .
RUN mkdir -p /app/var/media /app/var/artifacts /app/var/hf && chown -R 10001:10001 /app/var
USER 10001
CMD ["celery", "-A", "config", "worker", "-Q", "ml", "--concurrency", "1", "--loglevel", "INFO"]

FROM runtime AS ml-cpu
RUN --mount=type=bind,from=builder-ml-cpu,source=/wheels/ml-cpu,target=/wheels \
    pip install --no-index --find-links /wheels /wheels/*.whl
COPY --chown=10001:10001 . .
RUN mkdir -p /app/var/media /app/var/artifacts /app/var/hf && chown -R 10001:10001 /app/var
USER 10001
CMD ["celery", "-A", "config", "worker", "-Q", "ml", "--concurrency", "1", "--loglevel", "INFO"]

FROM runtime AS web
RUN --mount=type=bind,from=builder,source=/wheels/web,target=/wheels \
    pip install --no-index --find-links /wheels /wheels/*.whl
COPY --chown=10001:10001 . .
# Static files are collected at build time. The production settings load without SECRET_KEY
# and DATABASE_URL and refuse only when one is used, which collectstatic never does.
RUN python manage.py collectstatic --no-input \
    && mkdir -p /app/var/media /app/var/artifacts /app/var/hf \
    && chown -R 10001:10001 /app/var
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=12s --start-period=90s --retries=3 CMD ["python", "-m", "ops.probe", "/readyz"]
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
