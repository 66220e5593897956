from django.apps import AppConfig, apps


class BriefingsConfig(AppConfig):
    name = "briefings"
    verbose_name = "Briefings"

    def ready(self):
        from briefings.caching import connect_invalidation

        # Whatever a reader page shows: every model of this app (briefings, their parts,
        # sources, taxonomy, their history) and the tiers whose wording lock cards carry.
        connect_invalidation([*self.get_models(), apps.get_model("members", "Tier")])
