"""Admin pages about work done on a Celery queue say when nothing will do it (`ml.workers`)."""

from django.contrib import messages
from django.http import HttpRequest

from ml.workers import QueueConsumers, queue_consumers_check


class QueueNoticeMixin:
    """For a ModelAdmin whose rows are built by tasks on `notice_queue`: its list and change pages say
    when no worker consumes that queue, the broker does not answer, or tasks run inline (eager mode).
    The page's context gets `queue_consumers`."""

    notice_queue = "ml"

    def queue_notice(self, request: HttpRequest) -> QueueConsumers:
        consumers = queue_consumers_check(queue=self.notice_queue)
        # Only on the page being shown: a POST's notice would ride along to the page it redirects to.
        if request.method == "GET" and consumers.state != "consumed":
            messages.add_message(request, messages.INFO if consumers.ok else messages.WARNING, consumers.message)
        return consumers

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        consumers = self.queue_notice(request)
        return super().changelist_view(request, {**(extra_context or {}), "queue_consumers": consumers})

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None):
        consumers = self.queue_notice(request)
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "queue_consumers": consumers}
        )
