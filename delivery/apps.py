from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Delivery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from briefings.signed_pages import register_account_facts
        from delivery import signals  # noqa: F401  (connects the handlers)
        from delivery.selectors import follows_on_reader_pages

        # The follow buttons on reader pages show the account's follows: a page kept
        # whole for a signed-in reader is kept per set of follows too.
        register_account_facts("follows", follows_on_reader_pages)
