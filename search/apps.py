from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"

    def ready(self) -> None:
        from search import signals  # noqa: F401  (embeds products whose text or image changed)
