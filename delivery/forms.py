from django import forms

from delivery.models import DeliveryPreference
from members.time_zones import available_time_zones, time_zone_choices

# What each cadence means, in the words the preferences page explains it with.
CADENCE_HELP = {
    DeliveryPreference.Cadence.EACH: (
        "An e-mail soon after each new briefing in a category, region or topic you follow, "
        "or that one of your saved searches finds."
    ),
    DeliveryPreference.Cadence.DAILY: (
        "One e-mail a day, at the hour you choose, listing the day's new briefings in what "
        "you follow and what your saved searches find."
    ),
    DeliveryPreference.Cadence.WEEKLY: (
        "One e-mail a week, on the day and at the hour you choose, listing the week's new "
        "briefings in what you follow and what your saved searches find."
    ),
    DeliveryPreference.Cadence.NONE: (
        "No alerts and no digests. Everything stays on the site for you to read."
    ),
}
HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


class TimeZoneField(forms.ChoiceField):
    """A select of time zones that accepts any zone this machine knows, offered or not."""

    default_error_messages = {
        "invalid_choice": "“%(value)s” is not a time zone we know; pick one from the list.",
    }

    def valid_value(self, value) -> bool:
        return value in available_time_zones()


class PreferenceForm(forms.ModelForm):
    cadence = forms.ChoiceField(
        label="How new briefings reach you",
        choices=DeliveryPreference.Cadence.choices,
        widget=forms.RadioSelect,
    )
    digest_hour = forms.TypedChoiceField(
        label="Digest hour",
        choices=HOURS,
        coerce=int,
        help_text="When your daily or weekly digest is sent, in your time zone.",
    )
    digest_weekday = forms.TypedChoiceField(
        label="Weekly digest day",
        choices=DeliveryPreference._meta.get_field("digest_weekday").choices,
        coerce=int,
        help_text="Only for the weekly digest.",
    )
    timezone = TimeZoneField(label="Time zone", choices=())

    class Meta:
        model = DeliveryPreference
        fields = ["cadence", "digest_hour", "digest_weekday", "timezone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = time_zone_choices()
        current = self.instance.timezone
        listed = {zone for _, group in choices[1:] for zone, _ in group} | {"UTC"}
        if current and current not in listed:  # an older spelling, set before: keep it
            choices = [*choices, ("Other", [(current, current)])]
        self.fields["timezone"].choices = choices

    def cadence_choices(self):
        """Each cadence's radio button with what it means."""
        return [(radio, CADENCE_HELP[radio.data["value"]]) for radio in self["cadence"]]

    def schedule_fields(self):
        return [self["digest_hour"], self["digest_weekday"], self["timezone"]]
