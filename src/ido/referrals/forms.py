from datetime import datetime

from django import forms
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from ido.appointments.forms import BookingForm, TopicChoiceField
from ido.referrals.models import ReferralStatus, Urgency


class ChooseTopicForm(forms.Form):
    topic = TopicChoiceField(label=_("What is the question about?"), queryset=None, empty_label=None)

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics


class ReferralForm(forms.Form):
    """The referral itself: the question in a few words, and contact details only with the visitor's consent."""

    sender_location = forms.ModelChoiceField(label=_("At which IDO location"), queryset=None, required=False)

    reason = forms.CharField(
        label=_("The question in a few words"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("No BSN, no names of others. For example: letter about repaying rent allowance."),
    )
    tried = forms.CharField(
        label=_("What the visitor already tried"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    consent = forms.BooleanField(
        label=_("The visitor agrees that we pass on their contact details (read the text above to them)"),
        required=False,
    )
    name = forms.CharField(label=_("Name"), max_length=80, required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    preferred_contact_time = forms.CharField(
        label=_("Best time to call"), max_length=80, required=False, help_text=_("For example: weekday mornings.")
    )
    special_category = forms.BooleanField(
        label=_("The question is about health or another very personal matter"), required=False
    )
    special_consent = forms.BooleanField(
        label=_("The visitor agrees separately that we share that (read the extra text to them)"), required=False
    )

    session = forms.ModelChoiceField(
        label=_("Propose a course (optional)"),
        queryset=None,
        required=False,
        empty_label=_("No course"),
        help_text=_("The IDO enrols the visitor, or puts them on the waitlist when the course is full."),
    )

    def __init__(self, *args, locations=None, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if locations is None:
            del self.fields["sender_location"]
        else:
            self.fields["sender_location"].queryset = locations
        if sessions is None:
            del self.fields["session"]
        else:
            self.fields["session"].queryset = sessions
            self.fields["session"].label_from_instance = _session_label


def _session_label(session) -> str:
    first = date_format(localtime(session.starts_at), "j F")
    return f"{session.course.title} · {session.location.name} · {first}"


class MoveForm(forms.Form):
    status = forms.ChoiceField(choices=ReferralStatus.choices)
    note = forms.CharField(label=_("Reason"), max_length=300, required=False)


class ReferralBookingForm(BookingForm):
    """Book a slot in one of the receiver's consultation hours for the referred visitor. A choice is the hour and
    the start of the slot ("12|2026-12-01T10:00:00+01:00"): the receiver may hold hours at several places."""

    def __init__(self, *args, found, **kwargs):
        super().__init__(*args, slots=[], **kwargs)
        self.fields["slot"].choices = [
            (
                f"{slot.hour.pk}|{slot.starts_at.isoformat()}",
                f"{date_format(localtime(slot.starts_at), 'l j F H:i')} · {slot.hour.title} · {slot.location.name}",
            )
            for slot in found
        ]

    def clean_slot(self) -> tuple[int, datetime]:
        hour, _bar, starts_at = self.cleaned_data["slot"].partition("|")
        return int(hour), datetime.fromisoformat(starts_at)
