from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self):
        from config.caching import register_page_parameters

        # Membership pages read where to send the reader afterwards (members.redirects).
        register_page_parameters("next")
