from django.urls import path

from delivery import views

app_name = "delivery"

urlpatterns = [
    path("account/email/", views.PreferencesView.as_view(), name="preferences"),
    path(
        "account/follows/<slug:kind>/<int:term_id>/follow/",
        views.FollowView.as_view(),
        name="follow",
    ),
    path(
        "account/follows/<slug:kind>/<int:term_id>/unfollow/",
        views.UnfollowView.as_view(),
        name="unfollow",
    ),
    path("account/alerts/save/", views.SavedSearchAddView.as_view(), name="saved-search-add"),
    # From e-mails, without signing in: the token is logged as [redacted] (config.logging).
    path(
        "email/preferences/<str:token>/",
        views.TokenPreferencesView.as_view(),
        name="token-preferences",
    ),
]
