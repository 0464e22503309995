"""Orders without an account: the guest's order page, the account a guest may make of it, and the look-up by
order number and email. A visitor sees an order only once this browser session placed it or looked it up."""

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from shop.forms import OrderAccountForm, OrderLookupForm
from shop.models import Order
from shop.ratelimits import rate_limit_enforce
from shop.selectors.orders import order_find, session_order_get, session_order_numbers
from shop.services.accounts import user_create
from shop.services.guests import orders_guest_claim, session_order_remember

LOOKUP_FAILED = "We could not find an order with that number and email. Check both against your confirmation email."


def _order_page(
    request: HttpRequest, *, order: Order, account_form: OrderAccountForm | None = None, status: int = 200
) -> HttpResponse:
    offer_account = order.user_id is None and not request.user.is_authenticated
    if offer_account and account_form is None:
        account_form = OrderAccountForm(email=order.email)
    context = {
        "order": order,
        "guest": True,
        "just_placed": request.GET.get("placed") == "1",
        "account_form": account_form if offer_account else None,
        "account_exists": offer_account and get_user_model().objects.filter(email__iexact=order.email).exists(),
    }
    return render(request, "shop/order.html", context, status=status)


def order_guest_detail(request: HttpRequest, number: str) -> HttpResponse:
    if request.user.is_authenticated and request.user.orders.filter(number=number).exists():
        return redirect("shop:order", number=number)
    order = session_order_get(session=request.session, number=number)
    if order is None:
        # The same answer whether the number exists or not: the look-up asks for the email too.
        return redirect(f"{reverse('shop:order-lookup')}?number={number}")
    return _order_page(request, order=order)


@sensitive_post_parameters("password1", "password2")
@require_POST
@rate_limit_enforce(group="signup")
def order_account_create(request: HttpRequest, number: str) -> HttpResponse:
    """A guest sets a password: the order's email becomes an account, signed in, which owns this session's orders."""
    order = session_order_get(session=request.session, number=number)
    if order is None or order.user_id is not None or request.user.is_authenticated:
        return redirect("shop:order-guest", number=number)
    first_name, _, last_name = order.full_name.partition(" ")
    form = OrderAccountForm(request.POST, email=order.email, first_name=first_name)
    if not form.is_valid():
        return _order_page(request, order=order, account_form=form, status=400)
    user = user_create(
        email=order.email, password=form.cleaned_data["password1"], first_name=first_name, last_name=last_name
    )
    orders_guest_claim(user=user, numbers=session_order_numbers(session=request.session))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, "Your account is ready, and your order is in it.")
    return redirect("shop:order", number=number)


@rate_limit_enforce(group="order_lookup", methods=["POST"])
def order_lookup(request: HttpRequest) -> HttpResponse:
    form = OrderLookupForm(request.POST or None, initial={"number": request.GET.get("number", "")[:20]})
    if request.method != "POST":
        return render(request, "shop/order_lookup.html", {"form": form})
    if not form.is_valid():
        return render(request, "shop/order_lookup.html", {"form": form}, status=400)
    order = order_find(number=form.cleaned_data["number"], email=form.cleaned_data["email"])
    if order is None:
        form.add_error(None, LOOKUP_FAILED)
        return render(request, "shop/order_lookup.html", {"form": form}, status=404)
    session_order_remember(session=request.session, order=order)
    return redirect("shop:order-guest", number=order.number)
