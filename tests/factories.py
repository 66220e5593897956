"""The one place tests build model instances."""

import factory

from members.models import User

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """A verified primary e-mail address, as allauth keeps it (pass verified=False to skip)."""
        if not create or extracted is False:
            return
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class StaffFactory(UserFactory):
    """A staff user with a TOTP authenticator, so admin does not send them to set up MFA."""

    is_staff = True

    @factory.post_generation
    def mfa(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        TOTP.activate(self, generate_totp_secret())
