from django.urls import path

from briefings.feeds import FORMATS
from delivery import feeds
from delivery.views import preferences
from delivery.views.unsubscribe import UnsubscribeView

app_name = "delivery"

urlpatterns = [
    path("account/email/", preferences.PreferencesView.as_view(), name="preferences"),
    path(
        "account/follows/<slug:kind>/<int:term_id>/follow/",
        preferences.FollowView.as_view(),
        name="follow",
    ),
    path(
        "account/follows/<slug:kind>/<int:term_id>/unfollow/",
        preferences.UnfollowView.as_view(),
        name="unfollow",
    ),
    path("account/alerts/save/", preferences.SavedSearchAddView.as_view(), name="saved-search-add"),
    # From e-mails, without signing in. The token's segment is kept out of every log
    # (config.logging.REDACTED_PATH_PREFIXES).
    path(
        "email/preferences/<str:token>/",
        preferences.TokenPreferencesView.as_view(),
        name="token-preferences",
    ),
    path("account/feeds/", feeds.PrivateFeedsView.as_view(), name="feeds"),
    path(
        "account/feeds/<int:pk>/revoke/",
        feeds.PrivateFeedRevokeView.as_view(),
        name="feed-revoke",
    ),
    # The token's segment is kept out of every log (config.logging.REDACTED_PATH_PREFIXES).
    *(
        path(
            f"feeds/private/<str:token>/{format_name}/",
            feeds.private_feed,
            {"format_name": format_name},
            name=f"private-feed-{format_name}",
        )
        for format_name in FORMATS
    ),
    path("email/unsubscribe/<str:token>/", UnsubscribeView.as_view(), name="unsubscribe"),
]
