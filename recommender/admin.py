from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from ml.admin import QueueNoticeMixin, loss_chart
from ml.tasks import task_enqueue
from recommender.experiments import (
    ExperimentRefused,
    Rate,
    experiment_figures,
    experiment_promote,
    experiment_start,
    experiment_stop,
)
from recommender.models import Experiment, ItemVector, ModelVersion, TrainingRun
from recommender.pipeline import STAGES, TrainingInProgress, training_run_start
from recommender.registry import ModelUnavailable
from recommender.services import model_version_activate, model_version_rollback, training_run_abandon

METRIC_ORDER = ("two-tower", "live", "ease", "als (implicit)", "popularity")


def _stage_row(*, stage: str, state: dict) -> dict:
    # Figures go to the template as pairs: a figure named "items" would hide dict.items there.
    return {
        "name": TrainingRun.Stage(stage).label,
        "status": state.get("status"),
        "seconds": state.get("seconds"),
        "figures": list((state.get("figures") or {}).items()),
    }


def _metric_rows(metrics: dict) -> list[dict]:
    """The held-out figures per model, known models first, as the metrics table shows them."""
    names = [name for name in METRIC_ORDER if name in metrics] + sorted(set(metrics) - set(METRIC_ORDER))
    return [
        {
            "name": name,
            "ndcg": metrics[name].get("ndcg@10"),
            "precision": metrics[name].get("precision@10"),
            "recall": metrics[name].get("recall@10"),
            "map": metrics[name].get("map@10"),
            "ndcg_new": metrics[name].get("new_ndcg@10"),
            "recall_new": metrics[name].get("new_recall@10"),
            "version": metrics[name].get("version"),
        }
        for name in names
        if isinstance(metrics[name], dict)
    ]


def metrics_table(*, metrics: dict) -> str:
    """The metrics JSON of a run or version as the table staff read (the same one on both pages)."""
    rows = _metric_rows(metrics)
    if not rows:
        return "No held-out figures yet."
    return render_to_string("admin/recommender/_metrics_table.html", {"metrics": rows})


class RecordOnlyAdmin(admin.ModelAdmin):
    """Runs and versions are written by the pipeline only; staff read them and act through actions."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(TrainingRun)
class TrainingRunAdmin(QueueNoticeMixin, RecordOnlyAdmin):
    list_display = ("__str__", "status", "stage", "trigger", "created_at", "held_out_ndcg", "published", "short_error")
    list_filter = ("status", "trigger", "published")
    actions = ("train_again", "abandon")
    change_list_template = "admin/recommender/trainingrun/change_list.html"
    change_form_template = "admin/recommender/trainingrun/change_form.html"
    readonly_fields = (
        "status",
        "stage",
        "trigger",
        "force_publish",
        "started_by",
        "created_at",
        "finished_at",
        "data_start",
        "data_end",
        "published",
        "error",
    )
    fields = readonly_fields

    def has_train_permission(self, request: HttpRequest) -> bool:
        """Starting and stopping runs: a permission of its own, as staff never add or change runs by hand."""
        return request.user.has_perm("recommender.run_training")

    @admin.display(description="nDCG@10 (held out)")
    def held_out_ndcg(self, run: TrainingRun) -> str:
        value = (run.metrics.get("two-tower") or {}).get("ndcg@10")
        return "—" if value is None else f"{value:.4f}"

    @admin.display(description="Error")
    def short_error(self, run: TrainingRun) -> str:
        return run.error[:80]

    def get_urls(self):
        return [
            path("train/", self.admin_site.admin_view(self.train_view), name="recommender_trainingrun_train"),
        ] + super().get_urls()

    def _start(self, request: HttpRequest, *, force_publish: bool) -> TrainingRun | None:
        try:
            run = training_run_start(
                trigger=TrainingRun.Trigger.ADMIN, started_by=request.user, force_publish=force_publish
            )
        except TrainingInProgress as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        self.message_user(
            request,
            format_html(
                'Training run {} queued on the ml queue{}. <a href="{}">Follow its stages</a>.',
                run.pk,
                " (publishes even if the live model scores higher)" if force_publish else "",
                reverse("admin:recommender_trainingrun_change", args=[run.pk]),
            ),
            messages.SUCCESS,
        )
        return run

    def train_view(self, request: HttpRequest):
        """The "Train now" button: the same permission as the actions, refused outright without it."""
        if not self.has_train_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._start(request, force_publish=request.POST.get("force_publish") == "1")
        return HttpResponseRedirect(reverse("admin:recommender_trainingrun_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra = {**(extra_context or {}), "can_train": self.has_train_permission(request)}
        return super().changelist_view(request, extra_context=extra)

    @admin.action(description="Train again: start a new run with the same publish rule", permissions=["train"])
    def train_again(self, request: HttpRequest, queryset) -> None:
        self._start(request, force_publish=any(queryset.values_list("force_publish", flat=True)))

    @admin.action(
        description="Stop the selected runs that are in progress (a worker died, or they hang)", permissions=["train"]
    )
    def abandon(self, request: HttpRequest, queryset) -> None:
        stopped = 0
        for run in queryset.filter(in_progress=True):
            training_run_abandon(run=run, reason=f"stopped in admin by {request.user}")
            stopped += 1
        self.message_user(
            request,
            f"{stopped} run(s) stopped; the live model keeps serving."
            if stopped
            else "None of the selected runs is in progress.",
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None):
        run = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if run is not None:
            extra.update(
                stages=[
                    _stage_row(stage=stage, state=run.stages.get(stage, {"status": "waiting"})) for stage in STAGES
                ],
                metrics_table=metrics_table(metrics=run.metrics) if run.metrics else "",
                loss_chart=loss_chart(losses=run.losses),
                in_progress=bool(run.in_progress),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)


@admin.register(ModelVersion)
class ModelVersionAdmin(QueueNoticeMixin, RecordOnlyAdmin):
    list_display = ("__str__", "live", "created_at", "published_at", "ndcg", "items", "feature_schema_hash", "run_link")
    actions = ("activate", "rollback", "ab_test_start")
    readonly_fields = (
        "run",
        "artifact",
        "artifact_sha256",
        "feature_schema_hash",
        "held_out_quality",
        "data_start",
        "data_end",
        "items",
        "created_at",
        "published_at",
        "ab_tests",
    )
    fields = readonly_fields

    def has_experiment_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("recommender.run_experiment")

    @admin.display(description="A/B tests")
    def ab_tests(self, version: ModelVersion):
        tests = Experiment.objects.filter(Q(candidate=version) | Q(control=version))
        if not tests:
            return "None"
        return format_html_join(
            "",
            '<p><a href="{}">{}</a> ({})</p>{}',
            (
                (
                    reverse("admin:recommender_experiment_change", args=[test.pk]),
                    test,
                    "running" if test.is_running else test.outcome or "ended",
                    arm_figures_table(experiment=test),
                )
                for test in tests
            ),
        )

    @admin.action(
        description="Start an A/B test of the selected version against the live one (half the shoppers each)",
        permissions=["experiment"],
    )
    def ab_test_start(self, request: HttpRequest, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to test against the live one.", messages.ERROR)
            return
        try:
            test = experiment_start(candidate=queryset.get(), started_by=request.user)
        except ExperimentRefused as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(
            request,
            format_html(
                'A/B test started: <a href="{}">{}</a>.',
                reverse("admin:recommender_experiment_change", args=[test.pk]),
                test,
            ),
            messages.SUCCESS,
        )

    def has_publish_permission(self, request: HttpRequest) -> bool:
        """Putting a version live changes every shopper's recommendations: a permission of its own."""
        return request.user.has_perm("recommender.publish_modelversion")

    @admin.display(description="Held-out quality")
    def held_out_quality(self, version: ModelVersion) -> str:
        return metrics_table(metrics=version.metrics)

    @admin.display(description="Live", boolean=True)
    def live(self, version: ModelVersion) -> bool:
        return bool(version.is_live)

    @admin.display(description="nDCG@10 (held out)")
    def ndcg(self, version: ModelVersion) -> str:
        value = version.held_out_ndcg
        return "—" if value is None else f"{value:.4f}"

    @admin.display(description="Run")
    def run_link(self, version: ModelVersion) -> str:
        return format_html(
            '<a href="{}">run {}</a>',
            reverse("admin:recommender_trainingrun_change", args=[version.run_id]),
            version.run_id,
        )

    @admin.action(
        description="Activate the selected version (it serves from the next request)", permissions=["publish"]
    )
    def activate(self, request: HttpRequest, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        version = queryset.get()
        if ItemVector.objects.filter(version=version).exists():
            try:
                model_version_activate(version=version)
            except ModelUnavailable as error:
                self.message_user(request, str(error), messages.ERROR)
                return
            self.message_user(request, f"{version} is live.", messages.SUCCESS)
            return
        from recommender.tasks import model_version_activate_task

        if not task_enqueue(
            task=model_version_activate_task, args=[version.pk], catch_up="activate the version again later"
        ):
            self.message_user(
                request, "The task queue does not answer: activate the version again later.", messages.ERROR
            )
            return
        self.message_user(
            request, f"{version} has no item vectors any more: they are being recomputed, then it goes live."
        )

    @admin.action(description="Roll back to the version that was live before the current one", permissions=["publish"])
    def rollback(self, request: HttpRequest, queryset) -> None:
        try:
            version = model_version_rollback()
        except ModelUnavailable as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, f"Rolled back: {version} is live again.", messages.SUCCESS)


def _rate_cell(rate: Rate) -> str:
    if rate.value is None:
        return "—"
    low, high = rate.interval
    return f"{rate.value:.2%} ({low:.2%}–{high:.2%})"


def arm_figures_table(*, experiment: Experiment):
    """Per arm: impressions, and each rate with its 95% interval."""
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>v{}</td><td class='num'>{}</td><td class='num'>{}</td><td class='num'>{}</td>"
        "<td class='num'>{}</td></tr>",
        (
            (
                arm.label,
                arm.version_id,
                arm.impressions,
                _rate_cell(arm.click_through),
                _rate_cell(arm.add_to_cart),
                _rate_cell(arm.purchase),
            )
            for arm in experiment_figures(experiment=experiment)
        ),
    )
    return format_html(
        "<table><thead><tr><th>Arm</th><th>Version</th><th>Impressions</th><th>Click-through (95% CI)</th>"
        "<th>Add to cart</th><th>Purchase</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


class ExperimentStartForm(forms.ModelForm):
    class Meta:
        model = Experiment
        fields = ("name", "candidate", "candidate_share")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].queryset = ModelVersion.objects.exclude(is_live=True)
        self.fields["name"].required = False

    def clean(self) -> dict:
        cleaned = super().clean()
        if Experiment.objects.filter(is_running=True).exists():
            raise forms.ValidationError("Another A/B test is running: stop it first.")
        if not ModelVersion.objects.filter(is_live=True).exists():
            raise forms.ValidationError("No model version is live: publish one before testing another against it.")
        return cleaned


@admin.register(Experiment)
class ExperimentAdmin(admin.ModelAdmin):
    """A/B tests: started from here or from a model version, decided by stopping them or promoting the candidate."""

    list_display = ("__str__", "running", "candidate_share", "started_at", "ended_at", "outcome")
    actions = ("stop", "promote")
    readonly_fields = (
        "control",
        "candidate",
        "candidate_share",
        "started_by",
        "started_at",
        "ended_at",
        "outcome",
        "figures",
    )

    def has_experiment_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("recommender.run_experiment")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_experiment_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ExperimentStartForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj=None):
        return ExperimentStartForm.Meta.fields if obj is None else ("name", *self.readonly_fields)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return () if obj is None else ("name", *self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Experiment, form, change: bool) -> None:
        try:
            started = experiment_start(
                candidate=obj.candidate, candidate_share=obj.candidate_share, started_by=request.user, name=obj.name
            )
        except ExperimentRefused as error:
            raise PermissionDenied(str(error)) from error
        obj.pk = started.pk

    @admin.display(description="Running", boolean=True)
    def running(self, experiment: Experiment) -> bool:
        return bool(experiment.is_running)

    @admin.display(description="Figures per arm")
    def figures(self, experiment: Experiment):
        return arm_figures_table(experiment=experiment)

    @admin.action(
        description="Stop the selected A/B tests (the live version keeps serving)", permissions=["experiment"]
    )
    def stop(self, request: HttpRequest, queryset) -> None:
        for experiment in queryset.filter(is_running=True):
            experiment_stop(experiment=experiment, outcome=f"Stopped in admin by {request.user}.")
        self.message_user(request, "Stopped; every shopper sees the live version again.")

    @admin.action(description="Promote the candidate: put it live and end the test", permissions=["experiment"])
    def promote(self, request: HttpRequest, queryset) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one A/B test.", messages.ERROR)
            return
        try:
            version = experiment_promote(experiment=queryset.get())
        except ExperimentRefused as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, f"{version} is live.", messages.SUCCESS)
