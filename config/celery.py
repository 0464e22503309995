from celery import Celery
from django.conf import settings

from config.environment import django_environment_prepare, settings_module_choose

# Before the app exists: Celery installs its Django fixup only when DJANGO_SETTINGS_MODULE is set.
settings_module_choose()

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_configure.connect
def development_services_prepare(**kwargs: object) -> None:
    # A `celery` command reads the Django settings for the first time here, so this is where a
    # worker starts the development services; processes that have read them (manage.py, pytest) are set.
    if not settings.configured:
        django_environment_prepare()
