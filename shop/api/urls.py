from django.urls import path
from rest_framework.routers import SimpleRouter

from shop.api import views

router = SimpleRouter()
router.register("products", views.ProductViewSet, basename="api-product")
router.register("categories", views.CategoryViewSet, basename="api-category")
router.register("orders", views.OrderViewSet, basename="api-order")

urlpatterns = [
    path("cart/", views.CartView.as_view(), name="api-cart"),
    path("cart/lines/", views.CartLinesView.as_view(), name="api-cart-lines"),
    path("cart/lines/<int:line_id>/", views.CartLineView.as_view(), name="api-cart-line"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    *router.urls,
]
