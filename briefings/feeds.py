"""
RSS and Atom feeds of the latest briefings, overall and per category, region and topic.

A feed is read by anyone and cached by anyone, so it carries only public fields: the
title, the public summary, the link, the taxonomy names, the byline and the dates. It
never looks at the reader, and never touches sections or source notes.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from briefings.models import Briefing, Category, Region, Topic
from briefings.seo import modified_at

FEED_SIZE = 30


class LatestBriefingsFeed(Feed):
    description = "The latest intelligence briefings on technology and infrastructure markets."
    format_name = "rss"

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # The feed generator writes the XML in some thousand small pieces, and the server
        # sends a response piece by piece: joined, a cached feed goes out in one write
        # (it took 20 ms to send, ten times a cached page of the same size).
        response.content = response.content
        return response

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: latest briefings"

    def link(self, obj=None):
        return reverse("briefings:home")

    def feed_url(self, obj=None):
        return reverse(f"briefings:feed-latest-{self.format_name}")

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


class LatestBriefingsAtomFeed(LatestBriefingsFeed):
    feed_type = Atom1Feed
    format_name = "atom"


class CoverageFeed(LatestBriefingsFeed):
    """The latest briefings in one category, region or topic."""

    taxonomy_model = None
    briefing_field = None

    def get_object(self, request, slug):
        return get_object_or_404(self.taxonomy_model, slug=slug)

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: {obj.name}"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def feed_url(self, obj=None):
        name = self.taxonomy_model._meta.model_name
        return reverse(f"briefings:feed-{name}-{self.format_name}", args=[obj.slug])

    def description(self, obj=None):
        return obj.description or f"The latest briefings on {obj.name}."

    def subtitle(self, obj=None):
        return self.description(obj)

    def briefings(self, obj=None):
        return Briefing.objects.published().filter(**{self.briefing_field: obj})


class CategoryFeed(CoverageFeed):
    taxonomy_model = Category
    briefing_field = "category"


class CategoryAtomFeed(CategoryFeed):
    feed_type = Atom1Feed
    format_name = "atom"


class RegionFeed(CoverageFeed):
    taxonomy_model = Region
    briefing_field = "region"


class RegionAtomFeed(RegionFeed):
    feed_type = Atom1Feed
    format_name = "atom"


class TopicFeed(CoverageFeed):
    taxonomy_model = Topic
    briefing_field = "topic"


class TopicAtomFeed(TopicFeed):
    feed_type = Atom1Feed
    format_name = "atom"
