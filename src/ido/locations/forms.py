from django import forms
from django.utils.translation import gettext_lazy as _

from ido.locations.models import SPOKEN_LANGUAGES, Location, Weekday
from ido.locations.opening_hours import weekly_hours_problems
from ido.locations.services import HoursBlock, hours_problem_message
from ido.locations.validators import normalise_postcode
from ido.organisations.models import Municipality


class LocationForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=SPOKEN_LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Languages the desk can help in."),
    )

    class Meta:
        model = Location
        fields = [
            "library",
            "municipality",
            "name",
            "status",
            "street",
            "house_number",
            "postcode",
            "city",
            "latitude",
            "longitude",
            "in_library",
            "venue",
            "step_free",
            "hearing_loop",
            "accessible_toilet",
            "quiet_room",
            "languages",
            "staffing",
            "phone",
            "email",
            "open_on_public_holidays",
        ]

    def __init__(self, *args, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        self.fields["library"].empty_label = None
        served = Municipality.objects.filter(libraries__in=libraries).distinct().order_by("name")
        self.fields["municipality"].queryset = served
        only = libraries.first() if libraries.count() == 1 else None
        if only is not None:
            self.fields["library"].widget = forms.HiddenInput()
            self.fields["library"].initial = only.pk
        if self.instance.pk:
            self.fields["library"].disabled = True

    def clean_postcode(self):
        return normalise_postcode(self.cleaned_data["postcode"])

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("library", None)
        data.pop("municipality", None)
        return data


class HoursRowForm(forms.Form):
    # The empty choice keeps unused rows empty, so the formset skips them.
    weekday = forms.TypedChoiceField(
        label=_("Day"), choices=[("", _("No day")), *Weekday.choices], coerce=int, empty_value=None
    )
    opens = forms.TimeField(label=_("Opens"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    closes = forms.TimeField(label=_("Closes"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class BaseHoursFormSet(forms.BaseFormSet):
    def blocks(self) -> list[HoursBlock]:
        return [
            HoursBlock(form.cleaned_data["weekday"], form.cleaned_data["opens"], form.cleaned_data["closes"])
            for form in self.used_forms()
        ]

    def used_forms(self) -> list[forms.Form]:
        return [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]

    def clean(self):
        """Put each rule problem next to the row it is about."""
        if any(self.errors):
            return
        used = self.used_forms()
        blocks = self.blocks()
        for problem in weekly_hours_problems([(b.weekday, b.opens, b.closes) for b in blocks]):
            field = "closes" if problem.kind == "closes_before_opens" else "opens"
            used[problem.index].add_error(field, hours_problem_message(problem, blocks))


HoursFormSet = forms.formset_factory(HoursRowForm, formset=BaseHoursFormSet, extra=3, can_delete=True)


class OpeningExceptionForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    is_closed = forms.BooleanField(label=_("Closed all day"), required=False, initial=True)
    opens = forms.TimeField(
        label=_("Opens"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    closes = forms.TimeField(
        label=_("Closes"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Everyone can see this, also in the open data. Do not write names."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_closed") and (cleaned.get("opens") or cleaned.get("closes")):
            # Do not drop times silently: the person meant one of the two.
            self.add_error(
                "is_closed", _("Closed all day, or open at other times? Untick this box, or clear the times.")
            )
        return cleaned


class KilometresField(forms.DecimalField):
    """A distance in kilometres; takes "2,5" as well as "2.5" (a Dutch hand types a comma)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)


class CoverageForm(forms.Form):
    """The coverage page's choices, sent with GET. The municipality only for who may look at every one."""

    MIN_KM = 1
    MAX_KM = 30

    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.filter(valid_until__isnull=True).order_by("name"),
        to_field_name="cbs_code",
        required=False,
        empty_label=_("Choose a municipality"),
        error_messages={"invalid_choice": _("We do not know this municipality. Choose one from the list.")},
    )
    distance = KilometresField(
        label=_("Distance in km"),
        help_text=_("From 1 to 30 km. We measure in a straight line."),
        required=False,
        min_value=MIN_KM,
        max_value=MAX_KM,
        max_digits=3,
        decimal_places=1,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value", "max_digits", "max_decimal_places", "max_whole_digits"),
            _("Fill in a distance from 1 to 30 km, for example 5. We use 5 km for now."),
        ),
    )

    def __init__(self, *args, choose_municipality: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not choose_municipality:
            del self.fields["municipality"]
