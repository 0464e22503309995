from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from ml.admin import loss_chart
from search.evaluation_images import FIGURE_PARTS, promotion_score
from search.image_training import (
    STAGES,
    ImageTrainingInProgress,
    image_encoder_run_abandon,
    image_encoder_run_start,
)
from search.models import ImageEncoderRun, ImageEncoderVersion

METRIC_ORDER = ("candidate", "live", "baseline (colour histogram + thumbnail)")


def _metric_rows(metrics: dict) -> list[dict]:
    rows = []
    for name in METRIC_ORDER:
        if name not in metrics:
            continue
        figures = metrics[name]
        for part in FIGURE_PARTS:
            if part not in figures:
                continue
            row = figures[part]
            rows.append(
                {
                    "name": name,
                    "encoder": figures.get("encoder", ""),
                    "part": part,
                    "recall_1": row["recall@1"],
                    "recall_10": row["recall@10"],
                    "precision_5": row["same category and colour p@5"],
                    "words": figures.get("words ndcg@10"),
                }
            )
    return rows


class _RecordOnly(admin.ModelAdmin):
    """Written by the pipeline only; staff read them and act through actions."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ImageEncoderRun)
class ImageEncoderRunAdmin(_RecordOnly):
    list_display = ("__str__", "status", "stage", "starting_point", "created_at", "held_out_score", "published")
    list_filter = ("status", "published")
    actions = ("train_again", "abandon")
    change_list_template = "admin/search/imageencoderrun/change_list.html"
    change_form_template = "admin/search/imageencoderrun/change_form.html"
    readonly_fields = (
        "status",
        "stage",
        "trigger",
        "starting_point",
        "force_publish",
        "started_by",
        "created_at",
        "finished_at",
        "published",
        "error",
    )
    fields = readonly_fields

    def has_train_image_permission(self, request: HttpRequest) -> bool:
        """Starting and stopping runs: a permission of its own, as staff never add or change runs by hand."""
        return request.user.has_perm("search.run_image_training")

    @admin.display(description="Held-out score (R@10, P@5)")
    def held_out_score(self, run: ImageEncoderRun) -> str:
        return f"{promotion_score(run.metrics['candidate']):.4f}" if "candidate" in run.metrics else "—"

    def get_urls(self):
        return [
            path("train/", self.admin_site.admin_view(self.train_view), name="search_imageencoderrun_train"),
        ] + super().get_urls()

    def _start(self, request: HttpRequest, *, force_publish: bool) -> None:
        try:
            run = image_encoder_run_start(
                trigger=ImageEncoderRun.Trigger.ADMIN, started_by=request.user, force_publish=force_publish
            )
        except ImageTrainingInProgress as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(
            request,
            format_html(
                'Image encoder run {} queued on the ml queue. <a href="{}">Follow its stages</a>.',
                run.pk,
                reverse("admin:search_imageencoderrun_change", args=[run.pk]),
            ),
            messages.SUCCESS,
        )

    def train_view(self, request: HttpRequest):
        """The "Train now" button: the same permission as the actions, refused outright without it."""
        if not self.has_train_image_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._start(request, force_publish=request.POST.get("force_publish") == "1")
        return HttpResponseRedirect(reverse("admin:search_imageencoderrun_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra = {**(extra_context or {}), "can_train": self.has_train_image_permission(request)}
        return super().changelist_view(request, extra_context=extra)

    @admin.action(description="Train again: start a new image encoder run", permissions=["train_image"])
    def train_again(self, request: HttpRequest, queryset) -> None:
        self._start(request, force_publish=any(queryset.values_list("force_publish", flat=True)))

    @admin.action(description="Stop the selected runs that are in progress", permissions=["train_image"])
    def abandon(self, request: HttpRequest, queryset) -> None:
        stopped = 0
        for run in queryset.filter(in_progress=True):
            image_encoder_run_abandon(run=run, reason=f"stopped in admin by {request.user}")
            stopped += 1
        self.message_user(request, f"{stopped} run(s) stopped; the live encoder keeps serving.")

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None):
        run = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if run is not None:
            extra.update(
                stages=[
                    {
                        "name": ImageEncoderRun.Stage(stage).label,
                        "status": run.stages.get(stage, {}).get("status", "waiting"),
                        "seconds": run.stages.get(stage, {}).get("seconds"),
                        "figures": list(run.stage_figures(stage=stage).items()),
                    }
                    for stage in STAGES
                ],
                metrics=_metric_rows(run.metrics),
                loss_chart=loss_chart(losses=run.losses),
                in_progress=bool(run.in_progress),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)


@admin.register(ImageEncoderVersion)
class ImageEncoderVersionAdmin(_RecordOnly):
    list_display = ("name", "live", "created_at", "published_at", "text_encoder")
    readonly_fields = ("run", "name", "artifact", "artifact_sha256", "text_encoder", "metrics", "published_at")
    fields = readonly_fields

    @admin.display(description="Live", boolean=True)
    def live(self, version: ImageEncoderVersion) -> bool:
        return bool(version.is_live)
