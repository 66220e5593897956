from django import forms

from organisations import domains
from organisations.models import Licence, VerifiedDomain
from organisations.services import seat_count_problem


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class AdministratorForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address of their account",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class LicenceForm(forms.ModelForm):
    """Admin's licence form: a seat count below the seats in use names who holds them."""

    class Meta:
        model = Licence
        fields = [
            "name",
            "tier",
            "seat_count",
            "starts_at",
            "ends_at",
            "joins_by_domain_automatically",
            "administrators",
            "note",
        ]

    def clean(self):
        cleaned = super().clean()
        seat_count = cleaned.get("seat_count")
        if seat_count is not None:
            problem = seat_count_problem(licence=self.instance, seat_count=seat_count)
            if problem:
                self.add_error("seat_count", problem)
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "A licence must end after it starts.")
        return cleaned


class VerifiedDomainForm(forms.ModelForm):
    class Meta:
        model = VerifiedDomain
        fields = ["domain"]

    def clean_domain(self):
        domain = domains.normalise_domain(self.cleaned_data["domain"])
        if not domains.is_valid_domain(domain):
            raise forms.ValidationError("Enter a domain such as example.com, without an @.")
        return domain
