# Production image: gunicorn serves the shop by default; the same image runs Celery workers:
#   docker run IMAGE celery -A config worker -Q default --concurrency 4
#   docker run IMAGE celery -A config worker -Q ml --concurrency 1      (GPU workers)
#   docker run IMAGE python manage.py migrate --no-input                 (release step)
# Needs DJANGO_ENV=production (set here), SECRET_KEY, DATABASE_URL, REDIS_URL, ALLOWED_HOSTS.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_ENV=production \
    MEDIA_ROOT=/app/var/media \
    STATIC_ROOT=/app/var/staticfiles

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-compile -r requirements.txt

COPY . .
# Static files are collected at build time. The production settings load without SECRET_KEY
# and DATABASE_URL and refuse only when one is used, which collectstatic never does.
RUN python manage.py collectstatic --no-input \
    && useradd --create-home --uid 10001 shop \
    && mkdir -p /app/var/media \
    && chown -R shop:shop /app/var

USER shop
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
