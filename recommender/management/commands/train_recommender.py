from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommender.models import ModelVersion, TrainingRun
from recommender.pipeline import STAGES, TrainingInProgress, training_run_start, training_stage_run


class Command(BaseCommand):
    help = (
        "Train the two-tower recommender: snapshot → train → evaluate → register → embed → publish. "
        "Queues the stages for the ml workers, or with --wait runs them here and prints each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wait", action="store_true", help="Run the stages in this process and wait for the end.")
        parser.add_argument(
            "--force", action="store_true", help="Publish the new model even if the live one scores higher."
        )
        parser.add_argument(
            "--if-none", action="store_true", help="Do nothing when a model is live already (make setup uses it)."
        )

    def handle(self, *args, wait: bool, force: bool, if_none: bool, **options) -> None:
        if if_none and ModelVersion.objects.filter(is_live=True).exists():
            self.stdout.write("A recommender model is live already; nothing to do.")
            return
        try:
            run = training_run_start(trigger=TrainingRun.Trigger.COMMAND, force_publish=force, enqueue=not wait)
        except TrainingInProgress as error:
            raise CommandError(str(error)) from error
        if not wait:
            self.stdout.write(f"Training run {run.pk} queued on the ml queue; follow it in admin (Training runs).")
            return
        self.stdout.write(f"Training run {run.pk}:")
        stage = STAGES[0]
        while stage is not None:
            following = training_stage_run(run_id=run.pk, stage=stage)
            run.refresh_from_db()
            state = run.stages[stage]
            figures = ", ".join(
                f"{key} {value}" for key, value in (state.get("figures") or {}).items() if key != "reason"
            )
            self.stdout.write(
                f"  {TrainingRun.Stage(stage).label}: {state['status']} in {state.get('seconds')} s. {figures}"
            )
            stage = following
        if run.status == TrainingRun.Status.FAILED:
            raise CommandError(f"Run {run.pk} failed: {run.error}")
        for name, row in run.metrics.items():
            self.stdout.write(
                f"  {name:<16} nDCG@10 {row['ndcg@10']:.4f}  P@10 {row['precision@10']:.4f}  R@10 {row['recall@10']:.4f}"
            )
        self.stdout.write(self.style.SUCCESS(run.stages["publish"]["figures"]["reason"]))
