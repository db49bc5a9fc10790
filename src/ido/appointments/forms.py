from django import forms
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ido.appointments import slots as slot_rules
from ido.appointments.models import BookingMode, Frequency
from ido.organisations.models import Organisation
from ido.registrations.models import Topic


def validate_reachable(value) -> None:
    """A date a person can mean: from 2000 to five years ahead (far beyond is a typing error)."""
    today = timezone.localdate()
    if not slot_rules.within_reach(value, today):
        raise forms.ValidationError(
            _("Choose a date between %(first)s and %(last)s."),
            params={"first": slot_rules.EARLIEST_DATE.year, "last": (today + slot_rules.REACH_AHEAD).year},
        )


def topic_label(topic: Topic) -> str:
    """A subtopic with its main topic in front, so a list of both reads well."""
    return f"{topic.parent.label}: {topic.label}" if topic.parent is not None else topic.label


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Topic) -> str:
        return topic_label(obj)


def topics_to_choose(today):
    """Topics in use, each main topic followed by its subtopics."""
    return (
        Topic.objects.filter(Q(retired_on__isnull=True) | Q(retired_on__gt=today))
        .select_related("parent")
        .order_by(
            Coalesce("parent__sort_order", "sort_order"),
            Coalesce("parent__label_nl", "label_nl"),
            Coalesce("parent_id", "id"),
            F("parent_id").asc(nulls_first=True),
            "sort_order",
            "label_nl",
        )
    )


WEEKDAYS = [
    (0, pgettext_lazy("weekday as a label", "Monday")),
    (1, pgettext_lazy("weekday as a label", "Tuesday")),
    (2, pgettext_lazy("weekday as a label", "Wednesday")),
    (3, pgettext_lazy("weekday as a label", "Thursday")),
    (4, pgettext_lazy("weekday as a label", "Friday")),
    (5, pgettext_lazy("weekday as a label", "Saturday")),
    (6, pgettext_lazy("weekday as a label", "Sunday")),
]
NTH = [(1, _("first")), (2, _("second")), (3, _("third")), (4, _("fourth")), (-1, _("last"))]


class TopicsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Topic) -> str:
        return topic_label(obj)


class ConsultationHourForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120, help_text=_("For example: Belastingspreekuur."))
    topics = TopicsField(
        label=_("Topics"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What visitors can come with. The desk finds the hour by these topics."),
    )
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=Organisation.objects.none())
    location = forms.ModelChoiceField(label=_("Location"), queryset=None, empty_label=None)
    frequency = forms.ChoiceField(label=_("How often"), choices=Frequency.choices, initial=Frequency.WEEKLY)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekday(s)"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    nth = forms.TypedChoiceField(
        label=_("Which week of the month"),
        choices=[("", "—"), *NTH],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Only for a monthly consultation hour."),
    )
    starts_on = forms.DateField(
        label=_("First date"), widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_reachable]
    )
    ends_on = forms.DateField(
        label=_("Last date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_reachable],
    )
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    slot_minutes = forms.IntegerField(label=_("Minutes per slot"), initial=20, min_value=5, max_value=240)
    capacity = forms.IntegerField(
        label=_("Places per slot"),
        initial=1,
        min_value=1,
        max_value=100,
        help_text=_("One for a personal appointment, more for a group hour."),
    )
    booking_mode = forms.ChoiceField(label=_("Booking"), choices=BookingMode.choices, initial=BookingMode.APPOINTMENT)
    book_ahead_days = forms.IntegerField(label=_("Bookable up to (days ahead)"), initial=28, min_value=1, max_value=365)
    book_until_minutes = forms.IntegerField(
        label=_("Bookable until (minutes before)"), initial=60, min_value=0, max_value=7 * 24 * 60
    )
    skip_public_holidays = forms.BooleanField(label=_("Skip public holidays"), initial=True, required=False)
    description = forms.CharField(label=_("What it is for"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    what_to_bring = forms.CharField(label=_("What to bring"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, locations, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["provider"].queryset = providers
        self.fields["topics"].queryset = topics_to_choose(timezone.localdate())


class BookingForm(forms.Form):
    """Book a slot for a visitor at the desk: a first name or initials; a phone number or e-mail address only for
    a reminder, and only with the visitor's consent."""

    slot = forms.ChoiceField(label=_("Slot"), widget=forms.RadioSelect)
    name = forms.CharField(
        label=_("First name or initials"),
        max_length=40,
        help_text=_("So the provider knows whom to expect. Never a BSN or a full name with date of birth."),
    )
    phone = forms.CharField(label=_("Mobile number for a reminder"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail address for a reminder"), required=False)
    consent = forms.BooleanField(label=_("The visitor agrees (read the text above to them)"), required=False)

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [
            (slot.starts_at.isoformat(), date_format(localtime(slot.starts_at), "l j F H:i")) for slot in slots
        ]

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("phone") or cleaned.get("email")) and not cleaned.get("consent"):
            self.add_error(
                "consent", _("Only with the visitor's consent: tick the box, or leave the number and address empty.")
            )
        return cleaned


REASON_HELP = _("Goes to the booked visitors, so keep it short and without names. For example: the adviser is ill.")


class ConsultationHourChangeForm(ConsultationHourForm):
    reason = forms.CharField(label=_("Reason for the change"), max_length=200, required=False, help_text=REASON_HELP)


class CancelDateForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_reachable]
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False, help_text=REASON_HELP)


class CancelSeriesForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False, help_text=REASON_HELP)


class HostAgreementForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Location"), queryset=None, empty_label=None)
    provider = forms.ModelChoiceField(label=_("Partner"), queryset=None)

    def __init__(self, *args, locations, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        self.fields["provider"].queryset = partners
