from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth.hashers import make_password

from members.models import Application, User
from members.time_zones import available_time_zones, time_zone_choices


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ["name", "organisation", "role", "reason"]
        labels = {"reason": "Why do you want to join?"}
        help_texts = {
            "role": "Your job title or what you do, e.g. Head of infrastructure investment.",
            "reason": "What you would use the relationship evidence and source notes for.",
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "organisation": forms.TextInput(attrs={"autocomplete": "organization"}),
            "role": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "reason": forms.Textarea(attrs={"rows": 6}),
        }

    def clean(self):
        cleaned = super().clean()
        for name in ("name", "organisation", "role", "reason"):
            value = cleaned.get(name)
            if value is not None and not value.strip():
                self.add_error(name, "This field is required.")
        return cleaned


class AccountDeleteForm(forms.Form):
    email = forms.EmailField(
        label="Type your e-mail address to confirm",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self):
        email = self.cleaned_data["email"]
        if email.strip().lower() != self.user.email.lower():
            raise forms.ValidationError("That is not the e-mail address of this account.")
        return email


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form in the site's words: the password is optional."""

    def try_save(self, request):
        # A new account's password is hashed (hundreds of milliseconds, on purpose);
        # an address that has an account gets an e-mail and the same answer, and would
        # answer that much sooner, telling who has an account. Same work, same time.
        if self.account_already_exists and self.cleaned_data.get("password1"):
            make_password(self.cleaned_data["password1"])
        return super().try_save(request)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "E-mail address"
        self.fields["email"].widget.attrs.pop("placeholder", None)
        if "password1" in self.fields:
            password = self.fields["password1"]
            password.label = "Password (optional)"
            password.widget.attrs.pop("placeholder", None)
            password.help_text = (
                "Leave it empty to sign in with a code we e-mail you each time. "
                "A password needs at least 8 characters and must not be a common one."
            )


class TimeZoneField(forms.ChoiceField):
    """A select of time zones that accepts any zone this machine knows, offered or not."""

    default_error_messages = {
        "invalid_choice": "“%(value)s” is not a time zone we know; pick one from the list.",
    }

    def valid_value(self, value) -> bool:
        return value in available_time_zones()


class TimeZoneForm(forms.ModelForm):
    """A staff member's own time zone, in which admin shows and reads times."""

    time_zone = TimeZoneField(label="Time zone", choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["time_zone"]
