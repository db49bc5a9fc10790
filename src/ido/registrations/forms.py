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
from ido.registrations.selectors import choosable_help, choosable_organisations, choosable_topics
from ido.registrations.services import CHARACTERISTICS, QuestionInput, VisitInput


class TermChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class VisitForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Location"), queryset=None, empty_label=None)
    occurred_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Now, unless you register a visit afterwards."),
    )
    channel = forms.ChoiceField(label=_("How did the visitor come?"), choices=Channel.choices, initial=Channel.WALK_IN)
    duration_band = forms.ChoiceField(
        label=_("How long did it take?"), choices=DurationBand.choices, initial=DurationBand.FROM_10_TO_20
    )
    age_band = forms.ChoiceField(label=_("Age"), choices=AgeBand.choices, required=False)
    dutch_as_second_language = forms.ChoiceField(
        label=_("Dutch as a second language"), choices=YesNoUnknown.choices, required=False
    )
    first_visit = forms.ChoiceField(label=_("First visit"), choices=YesNoUnknown.choices, required=False)
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
            self.fields["location"].queryset = locations
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        if not ask_characteristics:  # the library switched them off: not asked, not stored
            for name in CHARACTERISTICS:
                del self.fields[name]


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
    topic = TermChoiceField(label=_("Topic"), queryset=None, required=False)
    service_organisation = TermChoiceField(
        label=_("Organisation concerned"), queryset=None, required=False, empty_label=_("None or unknown")
    )
    help_given = TermChoiceField(label=_("Help given"), queryset=None, empty_label=None, required=False)
    solved = forms.ChoiceField(label=_("Solved?"), choices=YesNoUnknown.choices, required=False)

    def __init__(self, *args, topics, keep=None, **kwargs):
        keep = keep or {}
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(pk__in=[t.pk for t in topics])
        # Most used first: the field's choices keep the order the selector gave.
        self.fields["topic"].choices = [("", _("Choose a topic")), *[(t.pk, t.label) for t in topics]]
        # A correction keeps the terms the visit already has, even retired ones.
        self.fields["service_organisation"].queryset = choosable_organisations(
            keep=keep.get("service_organisation", ())
        )
        self.fields["help_given"].queryset = choosable_help(keep=keep.get("help_given", ()))
        # The most common help is the default, so a common question needs no choice here.
        self.fields["help_given"].initial = self.fields["help_given"].queryset.first()

    def has_question(self) -> bool:
        return bool(self.cleaned_data.get("topic"))


class BaseQuestionFormSet(forms.BaseFormSet):
    def __init__(self, *args, location=None, visit=None, **kwargs):
        self.keep: dict[str, frozenset] = {}
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
            self.keep = {
                field: frozenset(getattr(q, f"{field}_id") for q in questions) - {None}
                for field in ("topic", "service_organisation", "help_given")
            }
        self.topics = choosable_topics(location=location, keep=self.keep.get("topic", frozenset()))
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if index == 0:
            # The desk starts typing the topic straight away: the first question's topic has the focus.
            form.fields["topic"].widget.attrs["autofocus"] = True

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "topics": self.topics, "keep": self.keep}

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
