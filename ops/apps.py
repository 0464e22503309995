from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations: health, metrics, request logs"

    def ready(self) -> None:
        from django.conf import settings

        # A Celery worker loads the encoders and the live model once per child when it starts
        # (gunicorn does the same in config/gunicorn.py), never in tests or manage.py commands.
        if settings.ML_PRELOAD:
            from celery.signals import worker_process_init

            from ops.preload import models_preload

            worker_process_init.connect(lambda **kwargs: models_preload(), weak=False)
