from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from shop.forms import CheckoutForm, ThrottledAuthenticationForm
from shop.http import visitor_session_key_get
from shop.models import Order
from shop.payments import payment_methods
from shop.ratelimits import rate_limit_usage
from shop.selectors.cart import cart_lines, cart_total, shopper_cart_find
from shop.selectors.orders import order_public_path
from shop.services.cart import cart_fit_stock, cart_prices_accept
from shop.services.guests import session_order_remember
from shop.services.orders import (
    CartEmpty,
    CheckoutError,
    OutOfStock,
    PaymentNotTaken,
    PricesChanged,
    cart_signature,
    order_place,
)

GUEST_CHOICE = "guest"


def _render(
    request: HttpRequest, *, form: CheckoutForm, cart, problems: list[str] = (), status: int = 200
) -> HttpResponse:
    lines = cart_lines(cart=cart)
    context = {
        "form": form,
        "lines": lines,
        "total": cart_total(lines=lines),
        "price_changes": [line for line in lines if line.price_changed],
        "signature": cart_signature(lines=lines),
        "problems": problems,
        "methods": payment_methods(),
        "account_email": _account_email(request),
    }
    return render(request, "shop/checkout.html", context, status=status)


def _account_email(request: HttpRequest) -> str:
    """Where a signed-in shopper's order goes (their account's email); "" for a guest, who types one."""
    return request.user.email if request.user.is_authenticated else ""


def _form(request: HttpRequest, *args, **kwargs) -> CheckoutForm:
    return CheckoutForm(*args, account_email=_account_email(request), **kwargs)


def _start(request: HttpRequest, *, cart) -> HttpResponse:
    """A visitor chooses: check out as a guest, or sign in (their cart joins the account's) and come back."""
    lines = cart_lines(cart=cart)
    login_form = ThrottledAuthenticationForm(request)
    # Neither choice is preselected: focusing the sign-in field would open a phone's keyboard for guests too.
    login_form.fields["username"].widget.attrs.pop("autofocus", None)
    context = {
        "login_form": login_form,
        "lines": lines,
        "total": cart_total(lines=lines),
        "next": reverse("shop:checkout"),
        "guest_url": f"{reverse('shop:checkout')}?as={GUEST_CHOICE}",
    }
    return render(request, "shop/checkout_start.html", context)


def _initial(request: HttpRequest) -> dict:
    if not request.user.is_authenticated:
        return {}
    initial = {"full_name": request.user.get_full_name()}
    last = request.user.orders.first()
    if last is not None:
        initial.update({field: getattr(last, field) for field in Order.ADDRESS_FIELDS})
    return initial


def _guest_order_limited(request: HttpRequest, *, method_code: str) -> bool:
    """A client address may place only so many guest orders paid on delivery (RATE_LIMITS["guest_order"])."""
    if request.user.is_authenticated or not payment_methods()[method_code].deferred:
        return False
    usage = rate_limit_usage(request=request, group="guest_order")
    return bool(usage and usage["should_limit"])


def checkout(request: HttpRequest) -> HttpResponse:
    cart = shopper_cart_find(user=request.user, session=request.session)
    if cart is None or (request.method != "POST" and not cart.lines.exists()):
        messages.info(request, "Your cart is empty: add something before checking out.")
        return redirect("shop:cart")
    if request.method != "POST":
        if not request.user.is_authenticated and request.GET.get("as") != GUEST_CHOICE:
            return _start(request, cart=cart)
        return _render(request, form=_form(request, initial=_initial(request)), cart=cart)

    form = _form(request, request.POST)
    if not form.is_valid():
        return _render(request, form=form, cart=cart, status=400)
    data = form.cleaned_data
    if _guest_order_limited(request, method_code=data["payment_method"]):
        problems = [
            "We cannot take more orders paid on delivery from your connection just now. "
            "Please choose another payment method, or sign in to order."
        ]
        return _render(request, form=_fresh_key(request, form), cart=cart, problems=problems, status=429)
    try:
        result = order_place(
            user=request.user,
            cart=cart,
            address=form.address(),
            payment_method=data["payment_method"],
            idempotency_key=data["idempotency_key"],
            signature=data["signature"],
            session_key=visitor_session_key_get(request=request),
        )
    except CartEmpty as error:
        messages.info(request, error.problems[0])
        return redirect("shop:cart")
    except OutOfStock as error:
        problems = error.problems + cart_fit_stock(cart=cart)
        problems.append("We have updated your cart to what is left. Please check it and confirm again.")
        return _render(request, form=_fresh_key(request, form), cart=cart, problems=problems, status=409)
    except PricesChanged as error:
        cart_prices_accept(cart=cart)
        problems = [*error.problems, "Please check the new total and confirm your order again."]
        return _render(request, form=_fresh_key(request, form), cart=cart, problems=problems, status=409)
    except PaymentNotTaken as error:
        # The cart was put back as it was; the cancelled order keeps this key, so the next try gets a new one.
        return _render(request, form=_fresh_key(request, form), cart=cart, problems=error.problems, status=402)
    except CheckoutError as error:
        # Too many unpaid orders, or a guest's used form sent again with another email.
        return _render(request, form=_fresh_key(request, form), cart=cart, problems=error.problems, status=409)
    if not request.user.is_authenticated:
        session_order_remember(session=request.session, order=result.order)
    return redirect(f"{order_public_path(order=result.order)}?placed=1")


def _fresh_key(request: HttpRequest, form: CheckoutForm) -> CheckoutForm:
    """The shopper's entries again, under a key of its own for the next, confirmed submission."""
    return _form(
        request,
        initial={
            name: value for name, value in form.cleaned_data.items() if name not in ("idempotency_key", "signature")
        },
    )
