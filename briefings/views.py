from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from briefings.models import Briefing, Category, Citation, Region, Section, Topic


class HomeView(ListView):
    template_name = "briefings/home.html"
    context_object_name = "briefings"

    def get_queryset(self):
        return Briefing.objects.published().with_taxonomy()[:13]


class BriefingDetailView(DetailView):
    template_name = "briefings/detail.html"
    context_object_name = "briefing"

    def get_queryset(self):
        audience = self.request.audience
        return (
            Briefing.objects.published()
            .with_taxonomy()
            .prefetch_related(
                Prefetch("sections", queryset=Section.objects.readable_by(audience)),
                Prefetch("citations", queryset=Citation.objects.select_related("source")),
            )
        )


class CoverageView(ListView):
    template_name = "briefings/coverage.html"
    context_object_name = "briefings"
    paginate_by = 20
    taxonomy_model = None
    briefing_field = None

    def get_queryset(self):
        self.term = get_object_or_404(self.taxonomy_model, slug=self.kwargs["slug"])
        return (
            Briefing.objects.published().with_taxonomy().filter(**{self.briefing_field: self.term})
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(term=self.term, **kwargs)


class CategoryView(CoverageView):
    taxonomy_model = Category
    briefing_field = "category"


class RegionView(CoverageView):
    taxonomy_model = Region
    briefing_field = "region"


class TopicView(CoverageView):
    taxonomy_model = Topic
    briefing_field = "topic"
