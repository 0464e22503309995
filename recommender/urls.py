from django.urls import path

from recommender import views

urlpatterns = [
    path("onboarding/", views.onboarding, name="onboarding"),
    path("onboarding/round/<int:round_number>/", views.onboarding_round, name="onboarding-round"),
    path("onboarding/skip/", views.onboarding_skip, name="onboarding-skip"),
]
