import copy
from typing import NamedTuple

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ido.registrations.models import (
    AgeBand,
    Channel,
    DurationBand,
    KbCategory,
    RegistrationSettings,
    Topic,
    Visit,
    YesNoUnknown,
)
from ido.registrations.selectors import choosable_help, choosable_organisations, choosable_topics, order_by_use_at
from ido.registrations.services import CHARACTERISTICS, QuestionInput, VisitInput
from ido.registrations.vocabulary_cache import terms_in_use


class FixedSelect(forms.Select):
    """A select whose choices never change after the form class is made: copies share them (a form instance
    deep-copies every field and widget, and the choices setter normalises them again, on every request)."""

    def __deepcopy__(self, memo):
        result = copy.copy(self)
        memo[id(self)] = result
        result.attrs = self.attrs.copy()
        return result


class FixedChoiceField(forms.ChoiceField):
    """A ChoiceField with fixed choices (the model's TextChoices), shared between form instances."""

    widget = FixedSelect

    def __deepcopy__(self, memo):
        result = copy.copy(self)
        memo[id(self)] = result
        result.widget = copy.deepcopy(self.widget, memo)
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result


class PreparedChoices(NamedTuple):
    objects: dict[str, object]
    choices: list[tuple[str, str]]


def prepare_choices(objects, label=lambda obj: obj.label) -> PreparedChoices:
    return PreparedChoices({str(obj.pk): obj for obj in objects}, [(str(obj.pk), label(obj)) for obj in objects])


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects already loaded: validating it costs no query (a ModelChoiceField asks the database
    for every field of every question). Choices are (object, label) pairs; the cleaned value is the object."""

    def __init__(self, *args, empty_label=None, **kwargs):
        self.empty_label = empty_label
        self.objects: dict[str, object] = {}
        super().__init__(*args, **kwargs)

    def set_objects(self, objects, label=lambda obj: obj.label) -> None:
        self.set_prepared(prepare_choices(objects, label))

    def set_prepared(self, prepared: PreparedChoices) -> None:
        """Choices prepared once for all questions of a form set. They are already in Django's normal form, so
        they are set without normalising them again (that was a large part of a save's time)."""
        self.objects = prepared.objects
        empty = [("", self.empty_label)] if self.empty_label is not None else []
        # Django's own attributes behind the `choices` setters, which would normalise the list again.
        self._choices = self.widget._choices = [*empty, *prepared.choices]

    def prepare_value(self, value):
        return str(value.pk) if hasattr(value, "pk") else value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return self.objects.get(str(value), value)

    def validate(self, value):
        if value is None:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return
        if not hasattr(value, "pk"):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )


class VisitForm(forms.Form):
    location = ObjectChoiceField(label=_("Location"))
    occurred_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Now, unless you register a visit afterwards."),
    )
    channel = FixedChoiceField(label=_("How did the visitor come?"), choices=Channel.choices, initial=Channel.WALK_IN)
    duration_band = FixedChoiceField(
        label=_("How long did it take?"), choices=DurationBand.choices, initial=DurationBand.FROM_10_TO_20
    )
    age_band = FixedChoiceField(label=_("Age"), choices=AgeBand.choices, required=False)
    dutch_as_second_language = FixedChoiceField(
        label=_("Dutch as a second language"), choices=YesNoUnknown.choices, required=False
    )
    first_visit = FixedChoiceField(label=_("First visit"), choices=YesNoUnknown.choices, required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=Visit._meta.get_field("note").max_length,
        required=False,
        help_text=_("A few words. Never a name, BSN, phone number or e-mail."),
    )

    def __init__(self, *args, locations, ask_characteristics: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if locations is None:  # a correction: the visit stays at its location
            del self.fields["location"]
        else:
            self.fields["location"].set_objects(list(locations), label=lambda location: location.name)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        if not ask_characteristics:
            self.drop_characteristics()

    def drop_characteristics(self) -> None:
        """The library switched them off: not asked, not stored."""
        for name in CHARACTERISTICS:
            self.fields.pop(name, None)


class CorrectionForm(VisitForm):
    """The visit fields of an existing registration, and a reason when the registration is final."""

    reason = forms.CharField(
        label=_("Why do you correct this registration?"),
        max_length=200,
        required=False,
        help_text=_("Needed after 7 days, when the registration is final. Never a name or BSN."),
    )

    def __init__(self, *args, needs_reason: bool, **kwargs):
        super().__init__(*args, locations=None, **kwargs)
        if needs_reason:
            self.fields["reason"].required = True
        else:
            del self.fields["reason"]


class QuestionForm(forms.Form):
    topic = ObjectChoiceField(label=_("Topic"), required=False, empty_label=_("Choose a topic"))
    service_organisation = ObjectChoiceField(
        label=_("Organisation concerned"), required=False, empty_label=_("None or unknown")
    )
    help_given = ObjectChoiceField(label=_("Help given"), required=False)
    solved = FixedChoiceField(label=_("Solved?"), choices=YesNoUnknown.choices, required=False)

    def __init__(self, *args, prepared: dict[str, PreparedChoices], **kwargs):
        super().__init__(*args, **kwargs)
        # Topics in the order the selector gave (most used at this location first).
        for name in ("topic", "service_organisation", "help_given"):
            self.fields[name].set_prepared(prepared[name])
        # The most common help is the default, so a common question needs no choice here.
        first_help = next(iter(prepared["help_given"].objects.values()), None)
        if first_help is not None:
            self.fields["help_given"].initial = first_help

    def has_question(self) -> bool:
        return bool(self.cleaned_data.get("topic"))


class BaseQuestionFormSet(forms.BaseFormSet):
    """The questions of a visit. Each vocabulary is read once for all questions. `order_by_use` puts the topics
    used most at the location first: only needed to show the form, so a POST skips it (see `order_topics`)."""

    def __init__(self, *args, location=None, visit=None, order_by_use=True, **kwargs):
        keep: dict[str, frozenset] = {}
        if visit is not None:
            questions = list(visit.questions.order_by("position"))
            kwargs.setdefault(
                "initial",
                [
                    {
                        "topic": q.topic_id,
                        "service_organisation": q.service_organisation_id,
                        "help_given": q.help_given_id,
                        "solved": q.solved,
                    }
                    for q in questions
                ],
            )
            # A correction keeps the terms the visit already has, even retired ones.
            keep = {
                field: frozenset(getattr(q, f"{field}_id") for q in questions) - {None}
                for field in ("topic", "service_organisation", "help_given")
            }
        if keep:
            self.terms = {
                "topic": choosable_topics(location=location if order_by_use else None, keep=keep.get("topic", ())),
                "service_organisation": list(choosable_organisations(keep=keep.get("service_organisation", ()))),
                "help_given": list(choosable_help(keep=keep.get("help_given", ()))),
            }
        else:  # a new visit: the lists in use, read once per process for a short while
            in_use = terms_in_use()
            self.terms = {
                "topic": order_by_use_at(location, in_use["topic"]) if order_by_use else in_use["topic"],
                "service_organisation": in_use["service_organisation"],
                "help_given": in_use["help_given"],
            }
        super().__init__(*args, **kwargs)

    def order_topics(self, location) -> None:
        """Most used topics first, for showing a form that came back with errors."""
        prepared = prepare_choices(order_by_use_at(location, self.terms["topic"]))
        for form in self.forms:
            form.fields["topic"].set_prepared(prepared)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if index == 0:
            # The desk starts typing the topic straight away: the first question's topic has the focus.
            form.fields["topic"].widget.attrs["autofocus"] = True

    def get_form_kwargs(self, index):
        if not hasattr(self, "prepared"):
            self.prepared = {name: prepare_choices(objects) for name, objects in self.terms.items()}
        return {**super().get_form_kwargs(index), "prepared": self.prepared}

    def clean(self):
        if any(self.errors):
            return
        filled = [form for form in self.forms if form.cleaned_data and form.has_question()]
        if not filled:
            raise forms.ValidationError(_("Choose a topic for at least one question."))
        for form in filled:
            if not form.cleaned_data.get("help_given"):
                form.add_error("help_given", _("Choose what help you gave."))

    def inputs(self) -> list[QuestionInput]:
        return [
            QuestionInput(
                topic=form.cleaned_data["topic"],
                service_organisation=form.cleaned_data["service_organisation"],
                help_given=form.cleaned_data["help_given"],
                solved=form.cleaned_data["solved"],
            )
            for form in self.forms
            if form.cleaned_data and form.has_question()
        ]


QuestionFormSet = forms.formset_factory(QuestionForm, formset=BaseQuestionFormSet, extra=3, max_num=10)


def visit_input(form: VisitForm, questions: BaseQuestionFormSet) -> VisitInput:
    data = form.cleaned_data
    return VisitInput(
        occurred_at=data["occurred_at"],
        channel=data["channel"],
        duration_band=data["duration_band"],
        age_band=data.get("age_band", ""),
        dutch_as_second_language=data.get("dutch_as_second_language", ""),
        first_visit=data.get("first_visit", ""),
        note=data["note"],
        questions=questions.inputs(),
    )


class OverviewForm(forms.Form):
    location = forms.ModelChoiceField(
        label=_("Location"), queryset=None, required=False, empty_label=_("All locations")
    )
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(
        label=_("Up to and including"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    MAX_DAYS = 3 * 366

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif (end - start).days > self.MAX_DAYS:
                self.add_error("end", _("Choose a period of at most three years."))
        return cleaned


class TermForm(forms.ModelForm):
    """Add or change a term of a national list. The code can only be given when the term is new."""

    class Meta:
        fields = ["code", "label_nl", "label_en", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["code"]
        if "parent" in self.fields:
            self.fields["parent"].queryset = Topic.objects.filter(parent__isnull=True).exclude(pk=self.instance.pk)
            self.fields["parent"].label_from_instance = lambda term: term.label
        if "kb_category" in self.fields:
            self.fields["kb_category"].label_from_instance = lambda term: term.label


def term_form_class(model) -> type[TermForm]:
    """The form for one kind of term: the common fields plus the ones only that kind has."""
    from ido.registrations.vocabulary_services import EDITABLE_FIELDS

    fields = ["code", *EDITABLE_FIELDS[model]]
    if model is KbCategory:
        fields.insert(1, "dimension")
    return forms.modelform_factory(model, form=TermForm, fields=fields)


class RetireForm(forms.Form):
    retired_on = forms.DateField(
        label=_("Retire from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("From this date the term cannot be chosen for new registrations. Old registrations keep it."),
    )


class KbMappingForm(forms.Form):
    """One choice per term of a list: the KB category it is counted in."""

    def __init__(self, *args, terms, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.terms = list(terms)
        for term in self.terms:
            field = forms.ModelChoiceField(
                label=term.label,
                queryset=categories,
                required=False,
                empty_label=_("Not mapped"),
                initial=term.kb_category_id,
            )
            field.label_from_instance = lambda category: category.label
            self.fields[f"term_{term.pk}"] = field

    def mapping(self) -> dict:
        return {term.pk: self.cleaned_data[f"term_{term.pk}"] for term in self.terms}


class RegistrationSettingsForm(forms.ModelForm):
    class Meta:
        model = RegistrationSettings
        fields = ["ask_visitor_characteristics"]


class FavouriteTopicsForm(forms.Form):
    MAX = 6
    topics = forms.ModelMultipleChoiceField(
        label=_("My favourite topics"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("At most 6. Each gets its own button on the form: one click registers a common visit."),
    )

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = topics
        self.fields["topics"].label_from_instance = lambda term: term.label

    def clean_topics(self):
        topics = self.cleaned_data["topics"]
        if len(topics) > self.MAX:
            raise forms.ValidationError(_("Choose at most %(max)d topics.") % {"max": self.MAX})
        return topics
