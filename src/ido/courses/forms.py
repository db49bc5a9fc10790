"""Forms of the staff pages that manage courses: they parse input; the services decide what is allowed."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.forms.models import fields_for_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ido.appointments.forms import validate_reachable
from ido.courses import rules, services
from ido.courses.models import Course, CourseKind, CourseLevel, InstructionLanguage

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
REASON_HELP = _("Goes to everyone in the course, so keep it short and without names. For example: the teacher is ill.")


def _any(label, choices) -> list:
    return [("", label), *choices]


class CatalogueFilterForm(forms.Form):
    """Narrow the catalogue down; every field is optional."""

    q = forms.CharField(label=_("Title contains"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=_any(_("All kinds"), CourseKind.choices), required=False)
    level = forms.ChoiceField(label=_("Level"), choices=_any(_("All levels"), CourseLevel.choices), required=False)
    language = forms.ChoiceField(
        label=_("Language of instruction"),
        choices=_any(_("All languages"), InstructionLanguage.choices),
        required=False,
    )

    def filter(self, courses):
        """The courses that match what was filled in (all of them when the form is not valid)."""
        if not self.is_valid():
            return courses
        data = self.cleaned_data
        for name in ("kind", "level", "language"):
            if data[name]:
                courses = courses.filter(**{name: data[name]})
        if data["q"].strip():
            courses = courses.filter(title__icontains=data["q"].strip())
        return courses


class CourseForm(forms.Form):
    """The fields of `services.CourseInput`, with the labels and help texts of the model."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Course, fields=services.COURSE_FIELDS))
        self.fields["description"].widget.attrs["rows"] = 4

    def course_input(self) -> services.CourseInput:
        return services.CourseInput(**{name: self.cleaned_data[name] for name in services.COURSE_FIELDS})

    @staticmethod
    def initial_for(course: Course) -> dict:
        return {name: getattr(course, name) for name in services.COURSE_FIELDS}


class SessionForm(forms.Form):
    """A new run of a course: where, who teaches, how many places, and its meetings as a weekly rhythm."""

    location = forms.ModelChoiceField(label=_("Location"), queryset=None, empty_label=None)
    teacher = forms.CharField(label=_("Teacher"), max_length=80, required=False)
    capacity = forms.IntegerField(
        label=_("Places"), min_value=1, max_value=200, initial=8, help_text=_("Often 6 to 12.")
    )
    offer_hours = forms.IntegerField(
        label=_("Hours to accept a freed place"),
        min_value=1,
        max_value=14 * 24,
        initial=48,
        help_text=_("When a place frees, the first on the waitlist gets it for this long; then the next."),
    )
    first_date = forms.DateField(
        label=_("Date of the first meeting"), widget=DATE_WIDGET, validators=[validate_reachable]
    )
    start_time = forms.TimeField(label=_("From"), widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("Until"), widget=TIME_WIDGET)
    count = forms.IntegerField(label=_("Number of meetings"), min_value=1, max_value=52, initial=4)
    every_weeks = forms.IntegerField(
        label=_("Every how many weeks"), min_value=1, max_value=8, initial=1, help_text=_("1: every week.")
    )

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("A meeting must end after it starts."))
        return cleaned

    def meetings(self) -> list[tuple[datetime, datetime]]:
        data = self.cleaned_data
        return rules.meeting_times(
            first=data["first_date"],
            start=data["start_time"],
            end=data["end_time"],
            count=data["count"],
            every_weeks=data["every_weeks"],
        )


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=200,
        help_text=_("More places go to the waitlist at once. Fewer never remove anyone who is in."),
    )


class CancelSessionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, help_text=REASON_HELP)


class WaitlistMoveForm(forms.Form):
    """Put one person at another place on the waitlist; the reason goes into the audit trail."""

    position = forms.IntegerField(label=_("New place on the waitlist"), min_value=1)
    # Rendered in a table row, without a help text: the page explains the reason above the waitlist.
    reason = forms.CharField(label=_("Reason"), max_length=200)


class AttendanceForm(forms.Form):
    """The teacher's list for one meeting: a checkbox per enrolled person."""

    present = forms.TypedMultipleChoiceField(
        label=_("Who came"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = choices


class RescheduleForm(forms.Form):
    date = forms.DateField(label=_("New date"), widget=DATE_WIDGET, validators=[validate_reachable])
    start_time = forms.TimeField(label=_("From"), widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("Until"), widget=TIME_WIDGET)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False, help_text=REASON_HELP)

    # The service speaks of moments; this form of a date and two times.
    SERVICE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("A meeting must end after it starts."))
        return cleaned

    def moments(self) -> tuple[datetime, datetime]:
        data = self.cleaned_data
        return _local(data["date"], data["start_time"]), _local(data["date"], data["end_time"])

    @staticmethod
    def initial_for(meeting) -> dict:
        starts_at, ends_at = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        return {"date": starts_at.date(), "start_time": starts_at.time(), "end_time": ends_at.time()}


def _local(day: date, at: time) -> datetime:
    """A wall-clock time in the Netherlands, as the meetings of a new session are (see rules.meeting_times)."""
    return datetime.combine(day, at, tzinfo=rules.AMSTERDAM)


def default_first_date() -> date:
    return timezone.localdate() + timedelta(days=14)
