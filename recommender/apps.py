from django.apps import AppConfig


class RecommenderConfig(AppConfig):
    name = "recommender"

    def ready(self) -> None:
        from recommender import signals  # noqa: F401 - connects the receivers
