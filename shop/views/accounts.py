from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetConfirmView, PasswordResetView
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters

from shop.forms import ProfileForm, SignupForm, ThrottledAuthenticationForm
from shop.models import CustomerProfile
from shop.ratelimits import rate_limit_enforce
from shop.selectors.orders import order_get, order_list
from shop.services.accounts import login_throttle_clear, profile_update, user_create

ORDERS_PER_PAGE = 10


class ShopLoginView(LoginView):
    form_class = ThrottledAuthenticationForm


@method_decorator(rate_limit_enforce(group="password_reset", methods=["POST"]), name="dispatch")
class ShopPasswordResetView(PasswordResetView):
    """Each request sends a mail: limited, so that nobody floods a mailbox or the shop's sending quota."""


class ShopPasswordResetConfirmView(PasswordResetConfirmView):
    """A new password set through the mailed link: whoever did it holds the mailbox, so the account's failed
    log-ins are forgotten and the owner logs in at once."""

    def form_valid(self, form):
        response = super().form_valid(form)
        login_throttle_clear(username=form.user.get_username())
        return response


@sensitive_post_parameters("password1", "password2")
@rate_limit_enforce(group="signup", methods=["POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("shop:account")
    form = SignupForm(request.POST or None)
    # Someone who signs up on the way to checkout goes back there.
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = user_create(
            email=data["email"], password=data["password1"], first_name=data["first_name"], last_name=data["last_name"]
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to Northwind Market! Your account is ready.")
        return redirect(next_url or settings.SIGNUP_REDIRECT_URL)
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@sensitive_post_parameters("current_password")
@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile, _ = CustomerProfile.objects.get_or_create(user=user)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "public_name": profile.public_name,
        "preferred_categories": profile.preferred_categories.all(),
    }
    form = ProfileForm(request.POST or None, initial=initial, user=user, request=request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        profile_update(
            user=user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            public_name=data["public_name"],
            preferred_categories=data["preferred_categories"],
        )
        messages.success(request, "Your profile is saved.")
        return redirect("shop:account")
    recent = order_list(user=user)[:3]
    return render(request, "shop/account.html", {"form": form, "recent_orders": recent})


@login_required
def orders(request: HttpRequest) -> HttpResponse:
    page = Paginator(order_list(user=request.user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "shop/orders.html", {"page": page})


@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = order_get(user=request.user, number=number)
    return render(request, "shop/order.html", {"order": order, "just_placed": request.GET.get("placed") == "1"})
