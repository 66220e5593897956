from django.urls import path

from briefings.feeds import FORMATS
from delivery import feeds
from delivery.views.unsubscribe import UnsubscribeView

app_name = "delivery"

urlpatterns = [
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
