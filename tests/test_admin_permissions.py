"""Every admin action and custom admin view asks for the permission it declares.

The walk covers every ModelAdmin registered on the admin site, so that an action added later
without `permissions=[...]` fails here: a staff member who may only look at the data is not
offered it, and a forged POST of it changes no row and queues no work.
"""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from recommender.features import FEATURE_SCHEMA_HASH
from recommender.models import ITEM_VECTOR_DIMENSIONS, Experiment, ItemVector, ModelVersion, TrainingRun
from search.models import ImageEncoderRun
from shop.models import Order, OrderStatusChange
from tests.factories import (
    CategoryFactory,
    InteractionFactory,
    OrderFactory,
    ProductFactory,
    ReviewFactory,
    ReviewSummaryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Permissions an action may declare beyond add/change/delete/view, and the model permission each checks.
CUSTOM_PERMISSIONS = {
    "train": "recommender.run_training",
    "publish": "recommender.publish_modelversion",
    "train_image": "search.run_image_training",
    "experiment": "recommender.run_experiment",
}
STANDARD_URL_SUFFIXES = ("changelist", "add", "history", "delete", "change")
# Rows an action may write besides those of the registered models.
SIDE_MODELS = (OrderStatusChange, ItemVector)


def _actions_walk() -> list[tuple[str, str]]:
    request = RequestFactory().get("/admin/")
    request.user = get_user_model()(username="walker", is_staff=True, is_superuser=True, is_active=True)
    return [
        (model._meta.label, name)
        for model, modeladmin in admin.site._registry.items()
        for name in modeladmin.get_actions(request)
    ]


def _custom_urls_walk() -> list[tuple[str, str]]:
    found = []
    for model, modeladmin in admin.site._registry.items():
        standard = {f"{model._meta.app_label}_{model._meta.model_name}_{suffix}" for suffix in STANDARD_URL_SUFFIXES}
        found += [
            (model._meta.label, pattern.name)
            for pattern in modeladmin.get_urls()
            if pattern.name and pattern.name not in standard
        ]
    return found


@pytest.fixture
def world():
    """A row of every registered model, each in a state that one of the actions would change."""
    category = CategoryFactory()
    active, hidden = ProductFactory(category=category), ProductFactory(category=category, is_active=False)
    InteractionFactory(product=active)
    for status in (Order.Status.PLACED, Order.Status.PAID, Order.Status.SHIPPED):
        OrderFactory(status=status)
    ReviewFactory(product=hidden, is_published=False)
    ReviewSummaryFactory(
        product=ReviewFactory(product=active).product, text="Customers say it is fine.", review_count=1
    )
    Group.objects.create(name="Helpers")
    now = timezone.now()
    earlier_run = TrainingRun.objects.create(status="succeeded", in_progress=None, finished_at=now)
    live_run = TrainingRun.objects.create(status="succeeded", in_progress=None, finished_at=now)
    TrainingRun.objects.create(status="running", stage="train")
    ImageEncoderRun.objects.create(status="running", stage="train")
    earlier = ModelVersion.objects.create(
        run=earlier_run,
        artifact="runs/1/model.pt",
        feature_schema_hash=FEATURE_SCHEMA_HASH,
        data_end=now,
        published_at=now - timedelta(days=2),
    )
    # The session's trained demo model may be live; this test's own version takes its place (rolled back after).
    ModelVersion.objects.filter(is_live=True).update(is_live=None)
    live = ModelVersion.objects.create(
        run=live_run,
        artifact="runs/2/model.pt",
        feature_schema_hash=FEATURE_SCHEMA_HASH,
        data_end=now,
        is_live=True,
        published_at=now - timedelta(days=1),
    )
    ItemVector.objects.create(version=earlier, product=active, vector=[0.1] * ITEM_VECTOR_DIMENSIONS)
    Experiment.objects.create(name="Earlier against live", control=live, candidate=earlier)


def _rows() -> dict[str, list[dict]]:
    models = [*admin.site._registry, *SIDE_MODELS]
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


def _staff(*, username: str, extra: list[str]) -> object:
    """A staff member who may view every registered model, plus the `extra` permissions ("app.codename")."""
    user = UserFactory(username=username, is_staff=True)
    views = [
        Permission.objects.get(content_type__app_label=model._meta.app_label, codename=f"view_{model._meta.model_name}")
        for model in admin.site._registry
    ]
    granted = [
        Permission.objects.get(content_type__app_label=label.split(".")[0], codename=label.split(".")[1])
        for label in extra
    ]
    user.user_permissions.set(views + granted)
    return user


def _declared(*, model, action: str) -> list[str]:
    """The permissions the action declares, as "app.codename"."""
    request = RequestFactory().get("/admin/")
    request.user = get_user_model()(username="walker", is_staff=True, is_superuser=True, is_active=True)
    func = admin.site._registry[model].get_actions(request)[action][0]
    declared = getattr(func, "allowed_permissions", ())
    assert declared, f"{model._meta.label} action {action} declares no permission"
    labels = []
    for permission in declared:
        if permission in ("add", "change", "delete", "view"):
            labels.append(f"{model._meta.app_label}.{permission}_{model._meta.model_name}")
        else:
            assert permission in CUSTOM_PERMISSIONS, f"map the custom permission {permission!r} in this test"
            labels.append(CUSTOM_PERMISSIONS[permission])
    return labels


def _action_post(client, *, model, action: str):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    selected = list(model.objects.values_list("pk", flat=True))
    return client.post(url, {"action": action, "_selected_action": selected, "index": 0, "post": "yes"})


def _offered(client, *, model, action: str) -> bool:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["action_form"]
    return form is not None and action in dict(form.fields["action"].choices)


@pytest.mark.parametrize(("label", "action"), _actions_walk())
def test_a_view_only_staff_member_can_neither_see_nor_forge_an_action(
    label, action, world, client, django_capture_on_commit_callbacks
):
    from django.apps import apps

    model = apps.get_model(label)
    client.force_login(_staff(username="looker", extra=[]))
    assert not _offered(client, model=model, action=action)
    before = _rows()
    with django_capture_on_commit_callbacks() as queued:
        _action_post(client, model=model, action=action)
    assert _rows() == before, f"a forged {action} changed rows"
    assert queued == [], f"a forged {action} queued work"


@pytest.mark.parametrize(("label", "action"), _actions_walk())
def test_a_staff_member_with_the_declared_permission_runs_the_action(
    label, action, world, client, django_capture_on_commit_callbacks
):
    from django.apps import apps

    model = apps.get_model(label)
    client.force_login(_staff(username="doer", extra=_declared(model=model, action=action)))
    assert _offered(client, model=model, action=action)
    with django_capture_on_commit_callbacks():
        response = _action_post(client, model=model, action=action)
    # An action that ran left its message or answered with its own page (a deletion's confirmation);
    # one that was refused leaves "No action selected." or the list again.
    notes = [str(message) for message in get_messages(response.wsgi_request)]
    pages = [template.name for template in response.templates]
    assert "No action selected." not in notes and (notes or "admin/change_list.html" not in pages), notes


@pytest.mark.parametrize(("label", "name"), _custom_urls_walk())
def test_custom_admin_views_refuse_a_view_only_staff_member(label, name, world, client):
    client.force_login(_staff(username="looker", extra=[]))
    try:
        url = reverse(f"admin:{name}")
    except NoReverseMatch:
        from django.apps import apps

        url = reverse(f"admin:{name}", args=[apps.get_model(label).objects.first().pk])
    before = _rows()
    assert client.post(url, {"force_publish": "1"}).status_code == 403
    assert _rows() == before


def test_train_now_needs_the_training_permission(world, client, django_capture_on_commit_callbacks):
    TrainingRun.objects.filter(in_progress=True).delete()
    changelist = reverse("admin:recommender_trainingrun_changelist")
    client.force_login(_staff(username="looker", extra=[]))
    assert "Train now" not in client.get(changelist).content.decode()
    client.force_login(_staff(username="trainer", extra=["recommender.run_training"]))
    assert "Train now" in client.get(changelist).content.decode()
    with django_capture_on_commit_callbacks():
        response = client.post(reverse("admin:recommender_trainingrun_train"), follow=True)
    assert "queued on the ml queue" in response.content.decode()
    assert TrainingRun.objects.filter(in_progress=True, trigger="admin").count() == 1
