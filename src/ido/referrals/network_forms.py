"""Forms of the partner network pages. They parse; the rules live in `network_services`."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ido.appointments.forms import validate_reachable
from ido.locations.models import SPOKEN_LANGUAGES
from ido.organisations.models import Municipality
from ido.referrals.models import DeliveryMethod
from ido.referrals.network_rules import MAX_RESPONSE_DAYS
from ido.referrals.network_selectors import overview_municipalities, topic_label, topics_in_use


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return topic_label(obj)


class TopicsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return topic_label(obj)


def current_municipalities():
    today = timezone.localdate()
    return Municipality.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today)).order_by("name")


def date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DirectoryFilterForm(forms.Form):
    topic = TopicChoiceField(label=_("Topic"), queryset=None, required=False, empty_label=_("All topics"))
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=None, required=False, empty_label=_("All municipalities")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics_in_use(timezone.localdate())
        self.fields["municipality"].queryset = current_municipalities()


class PartnerServiceForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Partner organisation"), queryset=None)
    name = forms.CharField(
        label=_("Name of the service"), max_length=200, help_text=_("For example: Schuldhulpverlening.")
    )
    description = forms.CharField(
        label=_("What they help with"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    topics = TopicsField(
        label=_("Topics"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The desk finds the service by these topics."),
    )
    nationwide = forms.BooleanField(label=_("Whole country"), required=False)
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities served"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose more than one. Not needed for the whole country."),
    )
    how_to_reach = forms.CharField(
        label=_("How to reach them"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: walk-in on Tuesday mornings at the town hall, or call first."),
    )
    phone = forms.CharField(label=_("Phone number"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=SPOKEN_LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, organisations=None, keep_topics=(), **kwargs):
        """`organisations`: for whom the service can be added; without it the field is left out (partner staff
        add services for their own organisation)."""
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = organisations
        self.fields["topics"].queryset = topics_in_use(timezone.localdate(), keep=keep_topics)
        self.fields["municipalities"].queryset = current_municipalities()


class AgreementForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner organisation"), queryset=None)
    location = forms.ModelChoiceField(
        label=_("IDO location"),
        queryset=None,
        required=False,
        empty_label=_("All locations of the library"),
        help_text=_("Only when the agreement is about one location."),
    )
    topics = TopicsField(
        label=_("Topics"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The topics the partner takes referrals about. A main topic includes its subtopics."),
    )
    delivery = forms.ChoiceField(
        label=_("How referrals reach the partner"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.PLATFORM,
        widget=forms.RadioSelect,
    )
    response_days = forms.IntegerField(
        label=_("Reaction within (working days)"),
        initial=5,
        min_value=1,
        max_value=MAX_RESPONSE_DAYS,
        help_text=_("Working days: weekends and holidays do not count."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail address"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone number"), max_length=30, required=False)
    notification_email = forms.EmailField(
        label=_("Shared mailbox for new referrals"),
        required=False,
        help_text=_("Gets a message for every new referral."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=date_widget(), validators=[validate_reachable])
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=date_widget(),
        validators=[validate_reachable],
        help_text=_("Empty: until further notice."),
    )

    def __init__(self, *args, partners, locations, keep_topics=(), **kwargs):
        """`keep_topics`: the ids of the topics the agreement already has, listed even when no longer in use."""
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["location"].queryset = locations
        self.fields["topics"].queryset = topics_in_use(timezone.localdate(), keep=keep_topics)


class OverviewMunicipalityForm(forms.Form):
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = overview_municipalities()
