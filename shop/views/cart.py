from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from shop.forms import AddToCartForm, CartQuantityForm
from shop.selectors import product_get, product_variants
from shop.selectors.cart import cart_line_find, cart_lines, cart_total, shopper_cart_find
from shop.services.cart import cart_line_add, cart_line_remove, cart_line_set_quantity, shopper_cart_get_or_create


def _cart_context(request: HttpRequest) -> dict:
    cart = shopper_cart_find(user=request.user, session=request.session)
    lines = cart_lines(cart=cart)
    return {
        "lines": lines,
        "total": cart_total(lines=lines),
        "price_changes": [line for line in lines if line.price_changed],
    }


def cart_detail(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/cart.html", _cart_context(request))


@require_POST
def cart_add(request: HttpRequest, product_id: int) -> HttpResponse:
    product = product_get(pk=product_id)
    form = AddToCartForm(request.POST, product=product)
    if not form.is_valid():
        message, ok = form.first_error(), False
    else:
        if not request.session.session_key:
            request.session.save()
        change = cart_line_add(
            cart=shopper_cart_get_or_create(user=request.user, session=request.session),
            variant=form.cleaned_data["variant"],
            quantity=form.cleaned_data["quantity"],
            user=request.user,
            session_key=request.session.session_key,
        )
        message, ok = change.message, not change.clamped
    if request.htmx:
        context = {
            "product": product,
            "variants": product_variants(product=product),
            "chosen_variant": form.cleaned_data.get("variant") if form.is_valid() else None,
            "cart_message": message,
            "cart_ok": ok,
            "oob": True,
        }
        return render(request, "shop/_buy_box.html", context)
    (messages.success if ok else messages.warning)(request, message)
    return redirect("shop:cart") if ok else redirect(product.get_absolute_url())


@require_POST
def cart_line_update(request: HttpRequest, line_id: int) -> HttpResponse:
    line = cart_line_find(cart=shopper_cart_find(user=request.user, session=request.session), line_id=line_id)
    if line is None:
        raise Http404("No such line in your cart.")
    if request.POST.get("remove"):
        cart_line_remove(line=line)
        message, ok, line = f"Removed {line.variant.display_name} from your cart.", True, None
    else:
        form = CartQuantityForm(request.POST)
        if form.is_valid():
            change = cart_line_set_quantity(line=line, quantity=form.cleaned_data["quantity"])
            message, ok, line = change.message, not change.clamped, change.line
        else:
            message, ok = form.errors["quantity"][0], False
    if request.htmx:
        context = {**_cart_context(request), "line": line, "line_message": message, "line_ok": ok, "oob": True}
        return render(request, "shop/_cart_line.html", context)
    (messages.success if ok else messages.warning)(request, message)
    return redirect("shop:cart")
