from django import forms

from members.models import Application


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
