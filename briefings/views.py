from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from django.views.generic import DetailView, ListView

from briefings import search
from briefings.forms import SearchForm
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
            .with_part_audiences()
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


# Results depend on the reader's audience: never stored in a shared cache.
@method_decorator(cache_control(private=True), name="dispatch")
class SearchView(ListView):
    """
    Search over published briefings in the parts the reader may read; with an empty
    search box but facets chosen, the matching briefings newest first.
    """

    template_name = "briefings/search.html"
    context_object_name = "briefings"
    paginate_by = 20

    def get_queryset(self):
        self.form = SearchForm(self.request.GET)
        self.form.is_valid()
        self.text = self.form.cleaned_data.get("q", "")
        self.searched = "q" not in self.form.errors and bool(self.text or self.form.facets())
        if not self.searched:
            return Briefing.objects.none()
        queryset = self.form.filter(Briefing.objects.published().with_taxonomy())
        if not self.text:
            return queryset
        return search.briefings_matching(queryset, text=self.text, audience=self.request.audience)

    def paginate_queryset(self, queryset, page_size):
        # An out-of-range or malformed page number shows the nearest page, not an error.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        facet_errors = any(name in self.form.errors for name in self.form.facet_names)
        context = super().get_context_data(
            form=self.form,
            query=self.text,
            searched=self.searched,
            facet_errors=facet_errors,
            choice_facets={"kind", "category", "region", "topic", "impact"},
            **kwargs,
        )
        paginator = context["paginator"]
        context["capped"] = bool(self.text) and paginator.count >= search.MAX_CANDIDATES
        return context
