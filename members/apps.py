from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self):
        from config.caching import register_page_parameters
        from members import caching, signals  # noqa: F401  (connects the receivers)

        caching.connect_receivers()

        # Membership pages read where to send the reader afterwards (members.redirects).
        for view_name in ("members:overview", "members:tier", "members:invitation"):
            register_page_parameters(view_name, "next")
