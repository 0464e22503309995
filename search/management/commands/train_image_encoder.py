from django.core.management.base import BaseCommand, CommandError, CommandParser

from search.evaluation_images import figures_lines
from search.image_training import STAGES, ImageTrainingInProgress, image_encoder_run_start, image_encoder_stage_run
from search.models import ImageEncoderRun, ImageEncoderVersion


class Command(BaseCommand):
    help = (
        "Train the image encoder into the text encoder's space: train → evaluate → register, embed and publish. "
        "Queues the stages for the ml workers, or with --wait runs them here and prints each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wait", action="store_true", help="Run the stages in this process and wait for the end.")
        parser.add_argument(
            "--force", action="store_true", help="Publish the new encoder even if the live one scores higher."
        )
        parser.add_argument(
            "--if-none", action="store_true", help="Do nothing when a trained encoder is live (make setup uses it)."
        )

    def handle(self, *args, wait: bool, force: bool, if_none: bool, **options) -> None:
        if if_none and ImageEncoderVersion.objects.filter(is_live=True).exists():
            self.stdout.write("A trained image encoder is live already; nothing to do.")
            return
        try:
            run = image_encoder_run_start(
                trigger=ImageEncoderRun.Trigger.COMMAND, force_publish=force, enqueue=not wait
            )
        except ImageTrainingInProgress as error:
            raise CommandError(str(error)) from error
        if not wait:
            self.stdout.write(f"Image encoder run {run.pk} queued on the ml queue; follow it in admin.")
            return
        self.stdout.write(f"Image encoder run {run.pk} ({run.starting_point}):")
        stage = STAGES[0]
        while stage is not None:
            following = image_encoder_stage_run(run_id=run.pk, stage=stage)
            run.refresh_from_db()
            state = run.stages[stage]
            figures = ", ".join(f"{k} {v}" for k, v in (state.get("figures") or {}).items() if k != "reason")
            self.stdout.write(
                f"  {ImageEncoderRun.Stage(stage).label}: {state['status']} in {state.get('seconds')} s. {figures}"
            )
            stage = following
        if run.status == ImageEncoderRun.Status.FAILED:
            raise CommandError(f"Run {run.pk} failed: {run.error}")
        for name, figures in run.metrics.items():
            for line in figures_lines(name=name, figures=figures):
                self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(run.stages["publish"]["figures"]["reason"]))
