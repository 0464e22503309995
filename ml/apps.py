from django.apps import AppConfig


class MlConfig(AppConfig):
    name = "ml"
    verbose_name = "ML runtime"

    def ready(self) -> None:
        from ml import signals  # noqa: F401  (embeds products whose text or image changed)
