"""
A member's private RSS and Atom feeds, and the account page that makes and revokes them.

A private feed carries the latest live briefings, all of them (follows and saved searches
choose what is e-mailed; a feed is a reading channel the member opens when they like),
each as the member's e-mail would carry it: `delivery.rendering.ChannelRenderer`, for the
member's reader status at the moment the feed is read. A membership that has ended reads
the public version; a revoked feed or an inactive account gets a plain 404.

Feed responses say `private, no-store`, so neither the site's page cache nor any other
shared cache keeps one, and a revoked address stops working on the next request. The
address's token never reaches a log (`config.logging.REDACTED_PATH_PREFIXES`).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F
from django.http import HttpResponseNotFound
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from briefings.feeds import FEED_SIZE, FORMATS, LatestBriefingsFeed
from briefings.reading import reader_briefing_queryset
from config.caching import PRIVATE
from delivery import private_feeds
from delivery.rendering import ChannelRenderer, absolute
from members.selectors import reader_status

# The session key under which a new feed's token waits for the page that shows it once.
NEW_FEED_SESSION_KEY = "delivery:new-private-feed"
# Revoked feeds stay listed (the latest few), so the member sees what they cut off.
REVOKED_SHOWN = 10

PRIVATE_FEED_HEADERS = {
    "Cache-Control": PRIVATE,
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}

NOT_FOUND_TEXT = (
    "This private feed address does not work: it has been revoked, or it is not one of "
    "ours. If it was yours, create a new address on your account's private feeds page.\n"
)


class PrivateBriefingsFeed(LatestBriefingsFeed):
    """
    One member's feed. Made for each request (it holds the member's renderer), unlike the
    public feeds, which are made once and shared by every request.
    """

    name = "private"
    # What it shows follows the member's standing at each request: never the shared copy.
    shared_by_every_reader = False
    description = (
        "The latest briefings as your membership lets you read them. This address is "
        "yours alone: keep it private."
    )

    def __init__(self, format_name: str, *, feed):
        super().__init__(format_name)
        self.private_feed = feed
        self.renderer = ChannelRenderer()

    def get_object(self, request, *args, **kwargs):
        # Memberships came with the feed (prefetched): the status as of now.
        return reader_status(self.private_feed.user)

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: your private feed"

    def link(self, obj=None):
        return absolute(reverse("briefings:home"))

    def feed_url(self, obj=None):
        return None  # the address it was read at

    def items(self, obj=None):
        # One fetch for the reader's audience (the briefings, their sections, their
        # citations), however many items; each is then rendered from what was fetched.
        briefings = reader_briefing_queryset(obj.audience)[:FEED_SIZE]
        return [self.renderer.fetched(briefing, obj) for briefing in briefings]

    def item_title(self, item):
        return item.briefing.title

    def item_link(self, item):
        return item.url

    def item_description(self, item):
        return item.html

    def item_author_name(self, item):
        return super().item_author_name(item.briefing)

    def item_pubdate(self, item):
        return super().item_pubdate(item.briefing)

    def item_updateddate(self, item):
        return super().item_updateddate(item.briefing)

    def item_categories(self, item):
        return super().item_categories(item.briefing)


@require_safe
def private_feed(request, token, format_name):
    """The feed a token opens, in `format_name` (a key of briefings.feeds.FORMATS)."""
    feed = private_feeds.private_feed_find(token)
    if feed is None:
        response = HttpResponseNotFound(NOT_FOUND_TEXT, content_type="text/plain; charset=utf-8")
    else:
        private_feeds.private_feed_mark_used(feed)
        response = PrivateBriefingsFeed(format_name, feed=feed)(request)
    for name, value in PRIVATE_FEED_HEADERS.items():
        response[name] = value
    return response


def feed_addresses(token: str) -> dict[str, str]:
    return {
        format_name: absolute(reverse(f"delivery:private-feed-{format_name}", args=[token]))
        for format_name in FORMATS
    }


class PrivateFeedsView(LoginRequiredMixin, TemplateView):
    """The member's private feeds: what they are, a new one (shown once), revoking."""

    template_name = "delivery/private_feeds.html"

    def get_context_data(self, **kwargs):
        # The token was kept in the session only until this page showed it, once.
        new = self.request.session.pop(NEW_FEED_SESSION_KEY, None)
        # Active ones first (at most the limit), then the latest revoked, in one query.
        feeds = list(
            self.request.user.private_feeds.order_by(
                F("revoked_at").desc(nulls_first=True), "-created_at"
            )[: private_feeds.MAX_ACTIVE_FEEDS + REVOKED_SHOWN]
        )
        active = [feed for feed in feeds if not feed.is_revoked]
        return super().get_context_data(
            feeds=feeds,
            new_feed_id=new["id"] if new else None,
            new_addresses=feed_addresses(new["token"]) if new else None,
            limit=private_feeds.MAX_ACTIVE_FEEDS,
            limit_reached=len(active) >= private_feeds.MAX_ACTIVE_FEEDS,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            new = private_feeds.private_feed_create(user=request.user)
        except private_feeds.FeedLimitReached:
            messages.error(
                request,
                f"You already have {private_feeds.MAX_ACTIVE_FEEDS} private feed addresses, "
                "the most an account may keep. Revoke one you no longer use, then create "
                "a new one.",
            )
            return redirect("delivery:feeds")
        request.session[NEW_FEED_SESSION_KEY] = {"id": new.feed.pk, "token": new.token}
        return redirect("delivery:feeds")


class PrivateFeedRevokeView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        if private_feeds.private_feed_revoke(user=request.user, feed_id=pk):
            messages.success(
                request, "Feed address revoked. Feed readers using it get nothing from now on."
            )
        else:
            messages.info(request, "That feed address was already revoked.")
        return redirect("delivery:feeds")
