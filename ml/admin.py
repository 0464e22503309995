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


LOSS_CHART_WIDTH, LOSS_CHART_HEIGHT, LOSS_CHART_MARGIN = 480, 200, 36


def loss_chart(*, losses: list[float]) -> dict | None:
    """Coordinates of the loss curve for the run page's SVG: epochs left to right, loss top to bottom."""
    if not losses:
        return None
    low, high = min(losses), max(losses)
    span = (high - low) or 1.0
    inner_w = LOSS_CHART_WIDTH - 2 * LOSS_CHART_MARGIN
    inner_h = LOSS_CHART_HEIGHT - 2 * LOSS_CHART_MARGIN
    step = inner_w / max(len(losses) - 1, 1)
    points = [
        (round(LOSS_CHART_MARGIN + index * step, 1), round(LOSS_CHART_MARGIN + (high - loss) / span * inner_h, 1))
        for index, loss in enumerate(losses)
    ]
    return {
        "width": LOSS_CHART_WIDTH,
        "height": LOSS_CHART_HEIGHT,
        "points": " ".join(f"{x},{y}" for x, y in points),
        "dots": [{"x": x, "y": y, "epoch": index + 1, "loss": losses[index]} for index, (x, y) in enumerate(points)],
        "high": high,
        "low": low,
        "left": LOSS_CHART_MARGIN,
        "right": LOSS_CHART_WIDTH - LOSS_CHART_MARGIN,
        "top": LOSS_CHART_MARGIN,
        "bottom": LOSS_CHART_HEIGHT - LOSS_CHART_MARGIN,
        "epochs": len(losses),
    }
