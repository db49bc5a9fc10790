"""The desk's search for free slots: what about, with whom, how near, and when."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ido.appointments import search
from ido.appointments.forms import TopicChoiceField, topics_to_choose, validate_reachable
from ido.registrations.models import Topic

DISTANCES = [("", _("Any distance")), *((km, f"{km} km") for km in (5, 10, 25, 50))]
MAX_WEEKS = 13


class FreeSlotSearchForm(forms.Form):
    topic = TopicChoiceField(
        label=_("Topic"), queryset=Topic.objects.none(), required=False, empty_label=_("All topics")
    )
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=None, required=False, empty_label=_("All providers")
    )
    near = forms.ModelChoiceField(
        label=_("Near location"),
        queryset=None,
        required=False,
        empty_label=_("No location"),
        help_text=_("Distances are measured from here, as the crow flies."),
    )
    within_km = forms.TypedChoiceField(
        label=_("Distance"), choices=DISTANCES, coerce=int, empty_value=None, required=False
    )
    start = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_reachable],
    )
    weeks = forms.IntegerField(
        label=_("Number of weeks"),
        min_value=1,
        max_value=MAX_WEEKS,
        help_text=_("From 1 to 13."),
    )

    def __init__(self, *args, providers, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics_to_choose(timezone.localdate())
        self.fields["provider"].queryset = providers
        self.fields["near"].queryset = locations

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("within_km") is not None and search.coordinates(cleaned.get("near")) is None:
            self.add_error(
                "within_km",
                _("A distance needs a location with a known position: choose one, or choose “Any distance”."),
            )
        return cleaned
