from django.urls import path

from reviews import api, views

app_name = "reviews"
urlpatterns = [
    path("reviews/products/<int:product_id>/", views.review_list_fragment, name="list"),
    path("reviews/products/<int:product_id>/write/", views.review_write, name="write"),
    path("reviews/<int:review_id>/helpful/", views.review_helpful, name="helpful"),
    path("api/products/<int:product_id>/reviews/", api.ReviewListCreateAPIView.as_view(), name="api-list"),
    path("api/products/<int:product_id>/review-summary/", api.ReviewSummaryAPIView.as_view(), name="api-summary"),
]
