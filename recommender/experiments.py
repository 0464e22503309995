"""Learning from what shoppers do with recommendations: impressions, clicks, and A/B tests of model versions.

Every tile of "Recommended for you" is logged as an Impression (one INSERT per page, whatever the
number of tiles) with the version or fallback that chose it. A tile's link carries its
impression's id; opening the product marks the click, and a cart or a purchase of that product
by the same visitor within ATTRIBUTION_HOURS of the click marks the impression too (from the
Interaction the shop records anyway, so checkout code knows nothing of this).

While an Experiment runs, each signed-in shopper is assigned an arm by a hash of their id and the
experiment's, so they see the same arm on every page and every process.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from scipy.stats import binomtest

from recommender.models import Experiment, Impression, ItemVector, ModelVersion
from recommender.registry import ModelUnavailable
from recommender.selectors import Recommendations, user_recommendations
from recommender.services import model_version_activate, model_version_embed
from shop.models import Interaction

logger = logging.getLogger(__name__)


class ExperimentRefused(Exception):
    """An A/B test cannot start or be decided; the message says why, for staff."""


@dataclass(frozen=True)
class VisitorArm:
    experiment_id: int | None
    """None for arms outside an A/B test (the simulator's model-or-trending split)."""
    arm: str
    version_id: int | None = None


def experiment_running_get() -> Experiment | None:
    return Experiment.objects.filter(is_running=True).first()


def experiment_arm_assign(*, experiment: Experiment, user_id: int) -> str:
    """The shopper's arm: the same on every request, independent across experiments."""
    digest = hashlib.sha256(f"experiment:{experiment.pk}:user:{user_id}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return Experiment.Arm.CANDIDATE if fraction < experiment.candidate_share else Experiment.Arm.CONTROL


def visitor_arm_get(*, user_id: int | None) -> VisitorArm | None:
    if user_id is None:
        return None
    experiment = experiment_running_get()
    if experiment is None:
        return None
    arm = experiment_arm_assign(experiment=experiment, user_id=user_id)
    version_id = experiment.candidate_id if arm == Experiment.Arm.CANDIDATE else experiment.control_id
    return VisitorArm(experiment_id=experiment.pk, arm=arm, version_id=version_id)


def recommendations_for_visitor(*, user_id: int | None, k: int) -> tuple[Recommendations, VisitorArm | None]:
    """ "Recommended for you" as this shopper's arm serves it (the live model when no test runs)."""
    arm = visitor_arm_get(user_id=user_id)
    recommendations = user_recommendations(user_id=user_id, k=k, version_id=arm.version_id if arm else None)
    return recommendations, arm


def impressions_log(
    *,
    recommendations: Recommendations,
    surface: str,
    user_id: int | None,
    session_key: str | None,
    arm: VisitorArm | None,
    at: datetime | None = None,
) -> list[int | None]:
    """Log the shown tiles in one INSERT; their ids, slot by slot, for the tiles' links (None where not logged).

    A visitor with neither an account nor a session is not logged: nothing could be attributed to them.
    A failed write is logged for staff and never fails the page.
    """
    if not recommendations.items or (user_id is None and not session_key):
        return [None] * len(recommendations.items)
    now = at or timezone.now()
    rows = [
        Impression(
            created_at=now,
            surface=surface,
            slot=slot,
            product_id=item.product.pk,
            user_id=user_id,
            session_key=session_key or "",
            version_id=recommendations.version_id,
            source=recommendations.source,
            experiment_id=arm.experiment_id if arm else None,
            arm=arm.arm if arm else "",
        )
        for slot, item in enumerate(recommendations.items)
    ]
    try:
        with transaction.atomic():
            Impression.objects.bulk_create(rows)
    except DatabaseError:
        logger.exception("Recommendation impressions were not logged; the page is served without them.")
        return [None] * len(rows)
    for item, row in zip(recommendations.items, rows):
        item.impression_id = row.pk
    return [row.pk for row in rows]


def _visitor_filter(*, user_id: int | None, session_key: str | None) -> Q | None:
    if user_id is not None:
        return Q(user_id=user_id)
    if session_key:
        return Q(session_key=session_key, user__isnull=True)
    return None


def impression_click_record(
    *, impression_id: int, product_id: int, user_id: int | None, session_key: str | None
) -> bool:
    """Mark the visitor's own impression of this product as clicked (once); a forged or stale id changes nothing."""
    visitor = _visitor_filter(user_id=user_id, session_key=session_key)
    if visitor is None:
        return False
    window = timezone.now() - timedelta(hours=settings.RECOMMENDER["ATTRIBUTION_HOURS"])
    return bool(
        Impression.objects.filter(
            visitor, pk=impression_id, product_id=product_id, clicked_at__isnull=True, created_at__gte=window
        ).update(clicked_at=timezone.now())
    )


def impressions_attribute(*, interaction: Interaction) -> int:
    """A cart or purchase of a product the visitor clicked in their recommendations lately counts for that impression."""
    field = {Interaction.Kind.CART: "carted_at", Interaction.Kind.PURCHASE: "purchased_at"}.get(interaction.kind)
    visitor = _visitor_filter(user_id=interaction.user_id, session_key=interaction.session_key)
    if field is None or visitor is None:
        return 0
    window = interaction.created_at - timedelta(hours=settings.RECOMMENDER["ATTRIBUTION_HOURS"])
    latest = (
        Impression.objects.filter(
            visitor,
            product_id=interaction.product_id,
            clicked_at__gte=window,
            clicked_at__lte=interaction.created_at,
            **{f"{field}__isnull": True},
        )
        .order_by("-clicked_at")
        .values_list("pk", flat=True)[:1]
    )
    return Impression.objects.filter(pk__in=list(latest)).update(**{field: interaction.created_at})


def experiment_start(
    *, candidate: ModelVersion, candidate_share: float = 0.5, started_by=None, name: str = ""
) -> Experiment:
    """Start an A/B test of `candidate` against the live version; refused while another runs."""
    live = ModelVersion.objects.filter(is_live=True).first()
    if live is None:
        raise ExperimentRefused("No model version is live: publish one before testing another against it.")
    if live.pk == candidate.pk:
        raise ExperimentRefused(f"{candidate} is the live version; choose another version to test against it.")
    if not 0.01 <= candidate_share <= 0.99:
        raise ExperimentRefused("The candidate's share of shoppers must be between 1% and 99%.")
    if not ItemVector.objects.filter(version=candidate).exists():
        try:
            model_version_embed(version=candidate)
        except ModelUnavailable as error:
            raise ExperimentRefused(f"{candidate} cannot serve: {error}") from error
    try:
        with transaction.atomic():
            return Experiment.objects.create(
                name=name or f"{candidate} against {live}",
                control=live,
                candidate=candidate,
                candidate_share=candidate_share,
                started_by=started_by,
            )
    except IntegrityError as error:
        raise ExperimentRefused("Another A/B test is running: stop it first.") from error


def experiment_stop(*, experiment: Experiment, outcome: str = "Stopped by staff.") -> None:
    if not experiment.is_running:
        return
    experiment.is_running, experiment.ended_at, experiment.outcome = None, timezone.now(), outcome
    experiment.save(update_fields=["is_running", "ended_at", "outcome"])


def experiment_promote(*, experiment: Experiment) -> ModelVersion:
    """Put the candidate live and end the test."""
    try:
        model_version_activate(version=experiment.candidate)
    except ModelUnavailable as error:
        raise ExperimentRefused(str(error)) from error
    experiment_stop(experiment=experiment, outcome=f"{experiment.candidate} promoted to live.")
    return experiment.candidate


@dataclass(frozen=True)
class Rate:
    successes: int
    trials: int

    @property
    def value(self) -> float | None:
        return self.successes / self.trials if self.trials else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95% Wilson score interval."""
        if not self.trials:
            return None
        found = binomtest(self.successes, self.trials).proportion_ci(confidence_level=0.95, method="wilson")
        return found.low, found.high


@dataclass(frozen=True)
class ArmFigures:
    arm: str
    label: str
    version_id: int
    impressions: int
    click_through: Rate
    add_to_cart: Rate
    purchase: Rate


def experiment_figures(*, experiment: Experiment) -> list[ArmFigures]:
    """Per arm: impressions, and click-through, add-to-cart and purchase rates per impression with 95% intervals."""
    counts = {
        row["arm"]: row
        for row in Impression.objects.filter(experiment=experiment)
        .values("arm")
        .annotate(
            shown=Count("pk"),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
            carted=Count("pk", filter=Q(carted_at__isnull=False)),
            bought=Count("pk", filter=Q(purchased_at__isnull=False)),
        )
    }
    figures = []
    for arm, label in Experiment.Arm.choices:
        row = counts.get(arm, {"shown": 0, "clicked": 0, "carted": 0, "bought": 0})
        figures.append(
            ArmFigures(
                arm=arm,
                label=label,
                version_id=experiment.candidate_id if arm == Experiment.Arm.CANDIDATE else experiment.control_id,
                impressions=row["shown"],
                click_through=Rate(row["clicked"], row["shown"]),
                add_to_cart=Rate(row["carted"], row["shown"]),
                purchase=Rate(row["bought"], row["shown"]),
            )
        )
    return figures
