from django.urls import path

from shop.api import views

urlpatterns = [
    path("products/", views.ProductListAPIView.as_view(), name="api-product-list"),
    path("products/<int:pk>/", views.ProductDetailAPIView.as_view(), name="api-product-detail"),
    path("categories/", views.CategoryListAPIView.as_view(), name="api-category-list"),
    path("categories/<slug:slug>/", views.CategoryDetailAPIView.as_view(), name="api-category-detail"),
    path("cart/", views.CartAPIView.as_view(), name="api-cart"),
    path("cart/lines/", views.CartLinesAPIView.as_view(), name="api-cart-lines"),
    path("cart/lines/<int:line_id>/", views.CartLineAPIView.as_view(), name="api-cart-line"),
    path("orders/", views.OrderListCreateAPIView.as_view(), name="api-order-list"),
    path("orders/<str:number>/", views.OrderDetailAPIView.as_view(), name="api-order-detail"),
    path("auth/token/", views.TokenAPIView.as_view(), name="api-token"),
]
