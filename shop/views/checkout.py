from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from shop.forms import CheckoutForm
from shop.models import Order
from shop.payments import payment_methods
from shop.selectors.cart import cart_lines, cart_total, shopper_cart_find
from shop.services.cart import cart_fit_stock, cart_prices_accept
from shop.services.orders import (
    CartEmpty,
    OutOfStock,
    PaymentNotTaken,
    PricesChanged,
    UnpaidOrdersLimit,
    cart_signature,
    order_place,
)


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
    }
    return render(request, "shop/checkout.html", context, status=status)


@login_required
def checkout(request: HttpRequest) -> HttpResponse:
    cart = shopper_cart_find(user=request.user, session=request.session)
    if request.method != "POST":
        if cart is None or not cart.lines.exists():
            messages.info(request, "Your cart is empty: add something before checking out.")
            return redirect("shop:cart")
        last = request.user.orders.first()
        initial = {"email": request.user.email, "full_name": request.user.get_full_name()}
        if last is not None:
            initial.update({field: getattr(last, field) for field in Order.ADDRESS_FIELDS})
        return _render(request, form=CheckoutForm(initial=initial), cart=cart)

    if cart is None:
        messages.info(request, "Your cart is empty: add something before checking out.")
        return redirect("shop:cart")
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        return _render(request, form=form, cart=cart, status=400)
    data = form.cleaned_data
    try:
        result = order_place(
            user=request.user,
            cart=cart,
            address=form.address(),
            payment_method=data["payment_method"],
            idempotency_key=data["idempotency_key"],
            signature=data["signature"],
        )
    except CartEmpty as error:
        messages.info(request, error.problems[0])
        return redirect("shop:cart")
    except OutOfStock as error:
        problems = error.problems + cart_fit_stock(cart=cart)
        problems.append("We have updated your cart to what is left. Please check it and confirm again.")
        return _render(request, form=_fresh_key(form), cart=cart, problems=problems, status=409)
    except PricesChanged as error:
        cart_prices_accept(cart=cart)
        problems = [*error.problems, "Please check the new total and confirm your order again."]
        return _render(request, form=_fresh_key(form), cart=cart, problems=problems, status=409)
    except UnpaidOrdersLimit as error:
        return _render(request, form=_fresh_key(form), cart=cart, problems=error.problems, status=409)
    except PaymentNotTaken as error:
        # The cart was put back as it was; the cancelled order keeps this key, so the next try gets a new one.
        return _render(request, form=_fresh_key(form), cart=cart, problems=error.problems, status=402)
    return redirect(f"{result.order.get_absolute_url()}?placed=1")


def _fresh_key(form: CheckoutForm) -> CheckoutForm:
    """The shopper's entries again, under a key of its own for the next, confirmed submission."""
    return CheckoutForm(
        initial={
            name: value for name, value in form.cleaned_data.items() if name not in ("idempotency_key", "signature")
        }
    )
