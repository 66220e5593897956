"""
RSS and Atom feeds of the latest briefings, overall and per category, region and topic.

A feed is read by anyone and cached by anyone, so it carries only public fields: the
title, the public summary, the link, the taxonomy names, the byline and the dates. It
never looks at the reader, and never touches sections or source notes.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from briefings.caching import shared_content
from briefings.hot_paths import in_one_piece
from briefings.models import Briefing, Category, Region, Topic
from briefings.seo import modified_at

FEED_SIZE = 30

# Every feed comes in these formats: the URL's suffix and the generator that writes it.
FORMATS = {"rss": Rss201rev2Feed, "atom": Atom1Feed}


class LatestBriefingsFeed(Feed):
    """The latest briefings, in the format given (a key of FORMATS)."""

    description = "The latest intelligence briefings on technology and infrastructure markets."
    # The feed's name in URLs (`feeds/latest.rss`) and URL names (`feed-latest-rss`).
    name = "latest"
    route = "latest"

    def __init__(self, format_name: str = "rss"):
        super().__init__()
        self.format_name = format_name
        self.feed_type = FORMATS[format_name]

    # These feeds name no reader: a signed-in reader's (who passes the page cache) is the
    # same bytes as anyone's, so it is kept with the content shared by every reader, per
    # content generation and address, rather than queried and written each time. A
    # subclass whose feed is one reader's (delivery's private feeds) must say False.
    shared_by_every_reader = True

    def __call__(self, request, *args, **kwargs):
        def render():
            return in_one_piece(super(LatestBriefingsFeed, self).__call__(request, *args, **kwargs))

        return shared_content(request, render) if self.shared_by_every_reader else render()

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: latest briefings"

    def link(self, obj=None):
        return reverse("briefings:home")

    def feed_url(self, obj=None):
        return reverse(f"briefings:feed-{self.name}-{self.format_name}")

    def subtitle(self, obj=None):
        return self.description

    def briefings(self, obj=None):
        return Briefing.objects.published()

    def items(self, obj=None):
        return (
            self.briefings(obj)
            .with_taxonomy()
            .only(
                "title", "slug", "summary", "authors", "kind", "published_at", "updated_at",
                "category__name", "region__name", "topic__name",
            )[:FEED_SIZE]
        )  # fmt: skip

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # The public standfirst every reader sees. Feeds declare descriptions as HTML, so
        # the plain text is escaped once: "<" in a summary is a character, never markup.
        return escape(item.summary)

    def item_author_name(self, item):
        return ", ".join(item.author_names) or None

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return modified_at(item)

    def item_categories(self, item):
        terms = [item.get_kind_display()]
        terms += [term.name for term in (item.category, item.region, item.topic) if term]
        return terms


class CoverageFeed(LatestBriefingsFeed):
    """The latest briefings in one category, region or topic."""

    taxonomy_model = None
    briefing_field = None

    @property
    def name(self):
        return self.taxonomy_model._meta.model_name

    @property
    def route(self):
        return f"{self.name}/<slug:slug>"

    def get_object(self, request, slug):
        return get_object_or_404(self.taxonomy_model, slug=slug)

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def feed_url(self, obj=None):
        return reverse(f"briefings:feed-{self.name}-{self.format_name}", args=[obj.slug])

    def description(self, obj=None):
        return obj.description or f"The latest briefings on {obj.name}."

    def subtitle(self, obj=None):
        return self.description(obj)

    def briefings(self, obj=None):
        return Briefing.objects.published().filter(**{self.briefing_field: obj})


class CategoryFeed(CoverageFeed):
    taxonomy_model = Category
    briefing_field = "category"


class RegionFeed(CoverageFeed):
    taxonomy_model = Region
    briefing_field = "region"


class TopicFeed(CoverageFeed):
    taxonomy_model = Topic
    briefing_field = "topic"


FEEDS = (LatestBriefingsFeed, CategoryFeed, RegionFeed, TopicFeed)


def feed_paths() -> list:
    """One URL per feed and format: `feeds/<route>.<format>`, named `feed-<name>-<format>`."""
    paths = []
    for feed_class in FEEDS:
        for format_name in FORMATS:
            feed = feed_class(format_name)
            name = f"feed-{feed.name}-{format_name}"
            paths.append(path(f"feeds/{feed.route}.{format_name}", feed, name=name))
    return paths
