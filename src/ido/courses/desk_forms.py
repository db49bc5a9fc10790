"""The desk's forms for courses: finding a session for a visitor, and enrolling them in it."""

import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from ido.appointments import search
from ido.appointments.forms import validate_reachable
from ido.appointments.search_forms import DISTANCES
from ido.courses.models import CourseKind, CourseLevel, InstructionLanguage
from ido.courses.services import MAX_NAME_LENGTH


class CourseSearchForm(forms.Form):
    """What kind of course, for whom, from when and how near. A GET form: a search can be bookmarked."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *CourseKind.choices], required=False)
    level = forms.ChoiceField(label=_("Level"), choices=[("", _("All levels")), *CourseLevel.choices], required=False)
    language = forms.ChoiceField(
        label=_("Language of instruction"),
        choices=[("", _("All languages")), *InstructionLanguage.choices],
        required=False,
    )
    start = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_reachable],
        help_text=_("Sessions whose first meeting is on this day or later."),
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
    only_free = forms.BooleanField(
        label=_("Only sessions with a free place"),
        required=False,
        help_text=_("Without this, full sessions are shown too: the visitor can join their waitlist."),
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["near"].queryset = locations

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("within_km") is not None and search.coordinates(cleaned.get("near")) is None:
            self.add_error(
                "within_km",
                _("A distance needs a location with a known position: choose one, or choose “Any distance”."),
            )
        return cleaned


class EnrolForm(forms.Form):
    """Enrol a visitor at the desk: a first name or initials; a phone number or e-mail address only with the
    visitor's consent. When the session has no room, the desk chooses the waitlist explicitly."""

    name = forms.CharField(
        label=_("First name or initials"),
        max_length=MAX_NAME_LENGTH,
        help_text=_("So the teacher knows whom to expect. Never a BSN or a full name with date of birth."),
    )
    phone = forms.CharField(
        label=_("Mobile or phone number"),
        max_length=20,
        required=False,
        help_text=_("For the dates, a reminder, a change, or a free place on the waitlist."),
    )
    email = forms.EmailField(label=_("E-mail address"), required=False)
    consent = forms.BooleanField(label=_("The visitor agrees (read the text above to them)"), required=False)
    companion = forms.BooleanField(
        label=_("The visitor comes with a companion (two places)"),
        required=False,
    )
    waitlist = forms.BooleanField(
        label=_("No place left: put the visitor on the waitlist"),
        required=False,
        help_text=_("When a place frees, the first on the waitlist is offered it."),
    )

    def __init__(self, *args, room_for_two: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if room_for_two:
            # Whoever comes, with or without a companion, has a place: there is nothing to choose.
            del self.fields["waitlist"]

    def offer_waitlist(self) -> None:
        """The session filled up while the desk was filling in the form: now there is a choice to make."""
        if "waitlist" not in self.fields:
            self.fields["waitlist"] = copy.deepcopy(self.base_fields["waitlist"])

    @property
    def places(self) -> int:
        return 2 if self.cleaned_data.get("companion") else 1

    @property
    def waitlist_if_full(self) -> bool:
        return bool(self.cleaned_data.get("waitlist"))
