from django.urls import path

from shop import views
from shop.views import accounts, cart, checkout, orders

app_name = "shop"
urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
    path("cart/", cart.cart_detail, name="cart"),
    path("cart/add/<int:product_id>/", cart.cart_add, name="cart-add"),
    path("cart/lines/<int:line_id>/", cart.cart_line_update, name="cart-line"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("order/lookup/", orders.order_lookup, name="order-lookup"),
    path("order/<str:number>/", orders.order_guest_detail, name="order-guest"),
    path("order/<str:number>/account/", orders.order_account_create, name="order-account"),
    path("account/", accounts.account, name="account"),
    path("account/orders/", accounts.orders, name="orders"),
    path("account/orders/<str:number>/", accounts.order_detail, name="order"),
]
