from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.static import serve

from search import api as search_api

admin.site.site_header = "Shop administration"
admin.site.site_title = "Shop admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("search/", include("search.urls")),
    path("api/search/", search_api.SearchAPIView.as_view(), name="api-search"),
    path("api/search/image/", search_api.ImageSearchAPIView.as_view(), name="api-search-image"),
    path("", include("reviews.urls")),
    path("", include("shop.urls")),
]
if not settings.PRODUCTION:
    # Production serves media from its storage backend (or a web server in front of it).
    media_prefix = settings.MEDIA_URL.strip("/")
    urlpatterns += [re_path(rf"^{media_prefix}/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
