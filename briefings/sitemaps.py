"""
sitemap.xml: the home page, every published briefing and every coverage page that has
published briefings, with last-modified times. Drafts, scheduled briefings before their
time and archived ones start from `published()` and so never appear.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.db.models.functions import Greatest
from django.urls import reverse

from briefings.models import Briefing, Category, Region, Topic
from briefings.seo import modified_at


class HomeSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["briefings:home"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        latest = Briefing.objects.published().aggregate(
            at=Max(Greatest("updated_at", "published_at"))
        )
        return latest["at"]


class BriefingSitemap(Sitemap):
    priority = 0.8

    def items(self):
        return (
            Briefing.objects.published()
            .only("slug", "updated_at", "published_at")
            .order_by("-published_at", "-pk")
        )

    def lastmod(self, item):
        return modified_at(item)


class CoverageSitemap(Sitemap):
    priority = 0.6
    models = (Category, Region, Topic)

    def items(self):
        live = Q(briefings__in=Briefing.objects.published())
        terms = []
        for model in self.models:
            terms += model.objects.annotate(
                last_change=Max(
                    Greatest("briefings__updated_at", "briefings__published_at"), filter=live
                )
            ).filter(last_change__isnull=False)
        return terms

    def lastmod(self, item):
        return item.last_change


SITEMAPS = {"home": HomeSitemap, "briefings": BriefingSitemap, "coverage": CoverageSitemap}
