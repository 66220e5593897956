from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.views.generic import DetailView, ListView, TemplateView

from briefings import caching, search
from briefings.forms import BriefingFilterForm, SearchForm
from briefings.markers import access_markers_filled
from briefings.models import Briefing, Category, Region, Topic
from briefings.reading import briefing_for_reader, reader_briefing_queryset, reader_offer
from briefings.search import results as search_results
from briefings.signed_pages import SignedInPageMixin
from config.caching import cache_address, digest, never_shared


class ForgivingPaginationMixin:
    """
    A page number that is not a number, or past the end, shows the nearest real page
    instead of an error: links to lists outlive the content they were made for.
    """

    paginate_by = 12

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()


def account_first(request) -> None:
    """
    Reads a signed-in reader's account before anything asks the cache for the content
    generation alone: the account's first read brings the generation with it, in the
    same round trip (members.caching). Costs nothing for a reader who is not signed in.
    """
    getattr(request.user, "pk", None)


class CardMarkersMixin:
    """Cards say, for this reader, whether they open a briefing's member parts."""

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        return access_markers_filled(response, self.request.reader)


class HomeView(SignedInPageMixin, CardMarkersMixin, TemplateView):
    template_name = "briefings/home.html"
    rail_count = 4
    latest_count = 6
    per_category = 3
    coverage_blocks = 8

    def get_context_data(self, **kwargs):
        """The content is the same for every reader: rendered once and shared."""
        context = super().get_context_data(**kwargs)
        account_first(self.request)

        def render():
            return render_to_string(
                "briefings/home.html#content", self.content_context(context), self.request
            )

        context["content_html"] = caching.shared_content(self.request, render)
        # Around the shared content, the offer for this reader (none once they read all).
        context["offer"] = reader_offer(self.request.reader, next_path=self.request.path)
        return context

    def content_context(self, context):
        published = Briefing.objects.published()
        recent = list(published.for_cards()[: 1 + self.rail_count + self.latest_count])
        # Each category's newest briefings, found by a few index probes per category
        # rather than by ranking every briefing; the most recently active come first.
        newest = published.filter(category=OuterRef("pk")).order_by("-published_at", "-id")
        categories = list(
            Category.objects.annotate(
                latest_at=Subquery(newest.values("published_at")[:1]),
                **{
                    f"newest_{index}": Subquery(newest.values("pk")[index : index + 1])
                    for index in range(self.per_category)
                },
            )
            .filter(latest_at__isnull=False)
            .order_by("-latest_at", "name")
        )
        featured, others = categories[: self.coverage_blocks], categories[self.coverage_blocks :]
        wanted = [
            getattr(category, f"newest_{index}")
            for category in featured
            for index in range(self.per_category)
        ]
        cards = Briefing.objects.filter(pk__in=[pk for pk in wanted if pk]).for_cards().in_bulk()
        coverage = [
            (
                category,
                [
                    cards[pk]
                    for index in range(self.per_category)
                    if (pk := getattr(category, f"newest_{index}")) in cards
                ],
            )
            for category in featured
        ]
        return {
            **context,
            "lead": recent[0] if recent else None,
            "rail": recent[1 : 1 + self.rail_count],
            "latest": recent[1 + self.rail_count :],
            "coverage": coverage,
            "more_categories": others,
        }


class SharedContentMixin:
    """
    For a list page whose content (its template's `content` partial: filters, cards,
    pages) depends on the address alone, never on the reader: the content is rendered
    once and shared (`caching.shared_content`), the queries run only then, and the page
    around it is each reader's own. `page_context()` is what that page needs.
    """

    def get(self, request, *args, **kwargs):
        account_first(request)

        def render():
            response = super(SharedContentMixin, self).get(request, *args, **kwargs)
            return render_to_string(f"{self.template_name}#content", response.context_data, request)

        content = caching.shared_content(request, render)
        context = {**self.page_context(), "content_html": content}
        response = self.response_class(request, self.template_name, context)
        return access_markers_filled(response, request.reader)

    def page_context(self) -> dict:
        return {}


class BriefingListView(SignedInPageMixin, SharedContentMixin, ForgivingPaginationMixin, ListView):
    template_name = "briefings/list.html"
    context_object_name = "briefings"

    def get_queryset(self):
        self.filter_form = BriefingFilterForm(self.request.GET)
        return self.filter_form.filter(Briefing.objects.published().for_cards())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filter_form=self.filter_form,
            page_query=self.filter_form.query_without_page(),
            **kwargs,
        )


class BriefingDetailView(SignedInPageMixin, DetailView):
    """
    A briefing as this reader may see it. Unpublished briefings are not in the queryset,
    so they are a 404 exactly like a slug that does not exist.

    The page's parts (title, search-engine markup, the article) are rendered once per
    content generation and reader state and kept in the cache (briefings.caching): a
    reader whose parts are there costs no query for the briefing at all.
    """

    template_name = "briefings/detail.html"
    parts_template = "briefings/includes/briefing_parts.html"
    parts = ("title", "seo", "article")
    context_object_name = "briefing"

    def get(self, request, *args, **kwargs):
        key = self.parts_key()
        parts = caching.remember(key, self.render_parts) if key else self.render_parts()
        return self.render_to_response(self.page_context(parts))

    def parts_key(self) -> str:
        """Empty for a page that must be rendered afresh every time (previews)."""
        address = cache_address(self.request)
        if address is None:  # a query parameter no page reads: rendered, not kept
            return ""
        return caching.briefing_parts_key(
            self.request.reader, url=self.request.build_absolute_uri(address)
        )

    def get_queryset(self):
        return reader_briefing_queryset(self.request.audience)

    def render_parts(self) -> dict:
        self.object = self.get_object()
        reader = self.request.reader
        context = self.get_context_data(
            reading=briefing_for_reader(
                self.object, reader=reader, next_path=self.request.get_full_path()
            ),
        )
        parts = {
            name: render_to_string(f"{self.parts_template}#{name}", context, self.request)
            for name in self.parts
        }
        # Plain values kept with the parts for what the page renders around them for
        # each reader (the follow buttons): no query for them when the parts are cached.
        parts["terms"] = [
            {"kind": kind, "id": term.pk, "name": term.name}
            for kind in ("category", "region", "topic")
            if (term := getattr(self.object, kind)) is not None
        ]
        return parts

    def page_context(self, parts) -> dict:
        return {"parts": parts}


class CoverageView(SignedInPageMixin, SharedContentMixin, ForgivingPaginationMixin, ListView):
    template_name = "briefings/coverage.html"
    context_object_name = "briefings"
    taxonomy_model = None
    briefing_field = None
    coverage_label = ""

    def get(self, request, *args, **kwargs):
        # The term (for the title, feeds and follow button) is kept per content generation,
        # which any edit to a term raises: no query for it on a warm page. A slug that
        # names no term is a 404, never kept.
        model, slug = self.taxonomy_model, kwargs["slug"]
        account_first(request)
        term_name = f"term:{model._meta.label}:{digest(slug)}"
        shared_name = caching.shared_content_name(request)
        # The term and the shared content in one round trip.
        caching.prefetch(
            [caching.content_key(term_name), shared_name and caching.content_key(shared_name)]
        )
        self.term = caching.cached(term_name, lambda: get_object_or_404(model, slug=slug))
        return super().get(request, *args, **kwargs)

    def page_context(self):
        return {"term": self.term, "coverage_label": self.coverage_label}

    def get_queryset(self):
        return Briefing.objects.published().for_cards().filter(**{self.briefing_field: self.term})

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            term=self.term, coverage_label=self.coverage_label, page_query="", **kwargs
        )


class CategoryView(CoverageView):
    taxonomy_model = Category
    briefing_field = "category"
    coverage_label = "Category"


class RegionView(CoverageView):
    taxonomy_model = Region
    briefing_field = "region"
    coverage_label = "Region"


class TopicView(CoverageView):
    taxonomy_model = Topic
    briefing_field = "topic"
    coverage_label = "Topic"


# The filters whose values are choices (an unknown one is named in its error).
CHOICE_FACETS = frozenset({"kind", "category", "region", "topic", "impact"})


class SearchView(SignedInPageMixin, CardMarkersMixin, ForgivingPaginationMixin, ListView):
    """
    Search over published briefings in the parts the reader may read; with an empty
    search box but facets chosen, the matching briefings newest first.

    The page is kept whole as every reader page is: for anonymous readers by the page
    cache (config.caching), per content generation and address; for a signed-in reader
    per reader key, account facts and address (SignedInPageMixin), the form to save the
    search carrying each session's own token. A search whose form has an error is marked
    `private` (`never_shared`) and so never kept by either.
    """

    template_name = "briefings/search.html"
    context_object_name = "briefings"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        account_first(request)
        # What this page reads from the cache (the results, the filters' choices and their
        # rendered fields), with the content generation that names them: in one round trip.
        facets_name = self.facets_name()
        caching.prefetch_at_generation(
            lambda generation: [
                self.results_key(generation),
                caching.content_key_at(generation, "taxonomy-choices"),
                caching.content_key_at(generation, facets_name),
            ]
        )
        key = self.results_key()
        self.form = SearchForm(request.GET)
        self.form.is_valid()
        self.text = self.form.cleaned_data.get("q", "")
        self.searched = "q" not in self.form.errors and bool(self.text or self.form.facets())
        results = (
            caching.remember(key, self.render_results, timeout=settings.PUBLIC_PAGE_MAX_AGE)
            if key
            else self.render_results()
        )
        facet_errors = any(name in self.form.errors for name in self.form.facet_names)
        context = {
            "form": self.form,
            "query": self.text,
            "searched": self.searched,
            "facet_errors": facet_errors,
            "choice_facets": CHOICE_FACETS,
            "results": results,
        }
        context["facets_html"] = self.facets_html(context)
        response = self.render_to_response(context)
        if self.form.errors:
            never_shared(response)
        return response

    def get_template_names(self):
        return [self.template_name]

    def results_key(self, generation: int | None = None) -> str:
        """
        Empty for results that must be found afresh every time (made-up parameters);
        in content generation `generation`, the current one unless given.
        """
        address = cache_address(self.request)
        if address is None:
            return ""
        return caching.search_results_key(
            self.request.reader,
            url=self.request.build_absolute_uri(address),
            generation=generation,
        )

    def render_results(self) -> dict:
        """
        The summary and the page of results, as HTML: the same for every reader of this
        reader state (`ReaderStatus.cache_key()`) and address, so kept per both for a
        public page's lifetime (a scheduled briefing goes live with no save). Readers
        whose whole page is not kept (staff, other follows, a session of an anonymous
        reader) still share these.
        """
        self.object_list = self.get_queryset()
        context = self.get_context_data()
        return {
            "summary": search_results.results_summary(
                query=self.text,
                page=context["page_obj"],
                capped=context["capped"],
                narrowed=bool(self.form.facets()),
            ),
            "list": render_to_string(f"{self.template_name}#list", context, self.request),
        }

    def get_queryset(self):
        if not self.searched:
            return Briefing.objects.none()
        live = self.form.filter(Briefing.objects.published())
        if not self.text:
            return live.for_search_results()
        # The matches read what their lines show themselves (briefings.search.page).
        return search.briefings_matching(
            live,
            text=self.text,
            audience=self.request.audience,
            narrowed=bool(self.form.facets()),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            form=self.form, query=self.text, searched=self.searched, **kwargs
        )
        paginator = context["paginator"]
        context["capped"] = bool(self.text) and paginator.count >= search.MAX_CANDIDATES
        return context

    def facets_html(self, context) -> str:
        """
        The filter fields, rendered once per content generation (their choices) and set
        of chosen values (which the fields show): Django's widgets render every option
        through a template, which was most of a search's time. Odd input (a field with
        an error) is rendered and never kept.
        """

        def render():
            return render_to_string("briefings/search.html#facets", context, self.request)

        if context["facet_errors"]:
            return render()
        return caching.cached(self.facets_name(), render)

    def facets_name(self) -> str:
        """The name the filter fields for the chosen values are kept under."""
        chosen = sorted((name, self.request.GET.getlist(name)) for name in SearchForm.facet_names)
        return f"search-facets:{digest(chosen)}"
