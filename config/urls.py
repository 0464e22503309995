from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path, reverse_lazy
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ops import views as ops_views
from recommender import api as recommender_api
from search import api as search_api
from shop.views import accounts as account_views

admin.site.site_header = "Shop administration"
admin.site.site_title = "Shop admin"
# The sidebar repeats the index and the breadcrumbs and takes 275 px of a 1280 px screen that the
# lists and their filters need (tests/browser/test_admin.py).
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/login/", account_views.ShopLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", account_views.signup, name="signup"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", account_views.ShopPasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        account_views.ShopPasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/recommendations/", recommender_api.RecommendationsAPIView.as_view(), name="api-recommendations"),
    path(
        "api/products/<int:pk>/similar/", recommender_api.SimilarProductsAPIView.as_view(), name="api-product-similar"
    ),
    path("api/", include("shop.api.urls")),
    path("search/", include("search.urls")),
    path("api/search/", search_api.SearchAPIView.as_view(), name="api-search"),
    path("api/search/image/", search_api.ImageSearchAPIView.as_view(), name="api-search-image"),
    path("", include("recommender.urls")),
    path("", include("reviews.urls")),
    path("", include("shop.urls")),
]
if not settings.PRODUCTION:
    # Production serves media from its storage backend (or a web server in front of it).
    media_prefix = settings.MEDIA_URL.strip("/")
    urlpatterns += [re_path(rf"^{media_prefix}/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
