from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from recommender.forms import OnboardingCategoriesForm, OnboardingLikesForm
from recommender.selectors import onboarding_round_products
from recommender.services import onboarding_likes_record
from shop.models import CustomerProfile
from shop.selectors import category_tree
from shop.services.accounts import profile_onboarding_finish, profile_preferred_categories_set

ROUNDS = 3
SHOWN_SESSION_KEY = "onboarding_shown"


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request: HttpRequest) -> HttpResponse:
    """Step one: the categories a new shopper likes."""
    profile = CustomerProfile.objects.filter(user=request.user).first()
    if request.method == "POST":
        form = OnboardingCategoriesForm(request.POST)
        if form.is_valid():
            profile_preferred_categories_set(user=request.user, categories=form.cleaned_data["categories"])
            request.session[SHOWN_SESSION_KEY] = []
            return redirect("onboarding-round", round_number=1)
    else:
        initial = list(profile.preferred_categories.values_list("pk", flat=True)) if profile else []
        form = OnboardingCategoriesForm(initial={"categories": initial})
    checked = {str(value) for value in (form["categories"].value() or [])}
    return render(
        request, "recommender/onboarding_categories.html", {"form": form, "groups": _category_groups(checked=checked)}
    )


def _category_groups(*, checked: set[str]) -> list[dict]:
    """Leaf categories under their department, the way the shop's navigation shows them."""
    nodes = category_tree()
    parents = {node.parent_id for node in nodes if node.parent_id}
    by_id = {node.id: node for node in nodes}
    groups: dict[int, dict] = {}
    for node in nodes:
        if node.id in parents or node.parent_id is None:
            continue
        department = by_id[_root_id(node, by_id)]
        group = groups.setdefault(department.id, {"name": department.name, "categories": []})
        group["categories"].append({"id": node.id, "name": node.name, "checked": str(node.id) in checked})
    return sorted(groups.values(), key=lambda group: group["name"])


def _root_id(node, by_id) -> int:
    while node.parent_id is not None:
        node = by_id[node.parent_id]
    return node.id


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_round(request: HttpRequest, round_number: int) -> HttpResponse:
    """Steps two to four: like a few products; each round is picked with what the shopper liked so far."""
    if not 1 <= round_number <= ROUNDS:
        raise Http404("There are three rounds.")
    shown: list[int] = request.session.get(SHOWN_SESSION_KEY, [])
    if request.method == "POST":
        round_ids = request.session.get(f"{SHOWN_SESSION_KEY}_{round_number}", [])
        form = OnboardingLikesForm(request.POST, shown_ids=round_ids)
        if form.is_valid():
            try:
                onboarding_likes_record(user=request.user, products=list(form.cleaned_data["liked"]))
            except ValidationError as error:
                messages.info(request, error.messages[0])
                return redirect("shop:home")
            if "finish" in request.POST or round_number == ROUNDS:
                profile_onboarding_finish(user=request.user)
                messages.success(request, "Thanks! Your choices are saved: the home page uses them from now on.")
                return redirect("shop:home")
            return redirect("onboarding-round", round_number=round_number + 1)
        products = list(form.fields["liked"].queryset)
    else:
        products = onboarding_round_products(user_id=request.user.pk, exclude_ids=set(shown), k=8)
        request.session[f"{SHOWN_SESSION_KEY}_{round_number}"] = [p.pk for p in products]
        request.session[SHOWN_SESSION_KEY] = shown + [p.pk for p in products]
        form = OnboardingLikesForm(shown_ids=[p.pk for p in products])
    context = {
        "form": form,
        "products": products,
        "round_number": round_number,
        "rounds": ROUNDS,
        "last": round_number == ROUNDS,
    }
    return render(request, "recommender/onboarding_round.html", context)


@login_required
@require_http_methods(["POST"])
def onboarding_skip(request: HttpRequest) -> HttpResponse:
    profile_onboarding_finish(user=request.user)
    return redirect("shop:home")
