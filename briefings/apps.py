from django.apps import AppConfig, apps


class BriefingsConfig(AppConfig):
    name = "briefings"
    verbose_name = "Briefings"

    def ready(self):
        from briefings.caching import connect_invalidation, forget_on_change
        from briefings.forms import BriefingFilterForm, SearchForm
        from briefings.reading import TIER_WORDING_KEY
        from config.caching import register_page_parameters

        tier = apps.get_model("members", "Tier")
        # Whatever a reader page shows: every model of this app (briefings, their parts,
        # sources, taxonomy, their history) and the tiers whose wording lock cards carry.
        # Not a pending change, who has a change form open (briefings.presence), an editor's
        # autosave (briefings.autosave) nor a lock card's conversion (briefings.conversions):
        # readers never see them, so saving them keeps every cache.
        unseen = {"pendingchange", "editingsession", "autosave", "lockcardconversion"}
        shown = [m for m in self.get_models() if m._meta.model_name not in unseen]
        connect_invalidation([*shown, tier])
        forget_on_change(TIER_WORDING_KEY, tier)
        # What the reader pages read from the query: lists' and search's filters, words
        # and page numbers. An address with anything else is served but never cached.
        register_page_parameters("briefings:list", "page", *BriefingFilterForm.base_fields)
        for coverage in ("briefings:category", "briefings:region", "briefings:topic"):
            register_page_parameters(coverage, "page")
        register_page_parameters("briefings:search", "page", *SearchForm.base_fields)
