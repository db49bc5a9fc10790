"""Forms of the national pages (schemes, allocations, the annex import): they parse input; the services decide
what is allowed and say why not."""

from decimal import Decimal

from django import forms
from django.forms.models import fields_for_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ido.funding import national_services, services
from ido.funding.forms import parse_money
from ido.funding.models import AdvancePayment, Allocation, AllocationCorrection, CarryOverRule, FundingScheme
from ido.registrations import imports

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FIRST_YEAR, LAST_YEAR = 2000, 2100
SCHEME_FIELDS = (
    "year",
    "name",
    "legal_reference",
    "rate_per_inhabitant",
    "rate_per_low_educated",
    "advance_percent",
    "reserve_cap_percent",
    "carry_over_rule",
    "accounting_deadline",
)
INDICATOR_LABELS = {
    "spent": _("SiSa code: spending in the year"),
    "reserve_built": _("SiSa code: reserve built up"),
    "reserve_used": _("SiSa code: reserve used"),
    "final": _("SiSa code: final account (yes/no)"),
}


def _plain(value):
    """A stored rate or percentage as people write it: 0,83 rather than 0,8300; 100 rather than 100,00."""
    if not isinstance(value, Decimal):
        return value
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


class EuroField(forms.Field):
    """An amount in euros with at most two decimals. Whether it may be negative is the service's business."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20})

    def to_python(self, value):
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        # The same reading as everywhere in funding: thousands only where they are grouped, and no silent cut.
        return parse_money(text, allow_negative=True)

    def prepare_value(self, value):
        """Show a stored amount the Dutch way, so that saving the form unchanged keeps it."""
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return value


class YearChoiceForm(forms.Form):
    """Which year's allocations to show (GET)."""

    year = forms.TypedChoiceField(
        label=capfirst(FundingScheme._meta.get_field("year").verbose_name), coerce=int, choices=()
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(year, str(year)) for year in years]


class SchemeForm(forms.Form):
    """The fields of `services.SchemeInput` with the labels of the model, and the four SiSa indicator codes."""

    def __init__(self, *args, scheme: FundingScheme | None = None, **kwargs):
        if scheme is not None:
            kwargs.setdefault("initial", self.initial_for(scheme))
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(FundingScheme, fields=SCHEME_FIELDS))
        year = self.fields["year"] = forms.IntegerField(
            label=capfirst(FundingScheme._meta.get_field("year").verbose_name),
            min_value=FIRST_YEAR,
            max_value=LAST_YEAR,
        )
        if scheme is not None:
            year.disabled = True  # the year is what the scheme is for: a new year is a new scheme
        self.fields["name"].initial = _("Specific grant for the IDOs")
        self.fields["legal_reference"].help_text = _("For example: Stcrt. 2022, 33992.")
        for name in ("rate_per_inhabitant", "rate_per_low_educated"):
            self.fields[name].localize = True
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
            self.fields[name].help_text = _("In euros, for example 0,83.")
        for name in ("advance_percent", "reserve_cap_percent"):
            field = self.fields[name]
            field.localize = True
            field.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
            field.help_text = _("A percentage from 0 to 100.")
        rule = self.fields["carry_over_rule"]
        assert isinstance(rule, forms.ChoiceField)
        rule.widget = forms.RadioSelect(choices=CarryOverRule.choices)
        rule.help_text = _(
            "When the reserve carried in from last year and this year's grant are both there: which is spent "
            "first. At the year's end at most the reserve cap of this year's grant may be kept for next year; "
            "what is left of a reserve carried in lapses."
        )
        self.fields["accounting_deadline"].widget = DATE_WIDGET
        self.fields["accounting_deadline"].help_text = _("SiSa: usually 15 July of the following year.")
        for key, label in INDICATOR_LABELS.items():
            self.fields[f"sisa_{key}"] = forms.CharField(
                label=label, max_length=national_services.INDICATOR_MAX_LENGTH, required=False
            )

    @staticmethod
    def initial_for(scheme: FundingScheme) -> dict:
        initial = {name: _plain(getattr(scheme, name)) for name in SCHEME_FIELDS}
        for key in national_services.INDICATOR_KEYS:
            initial[f"sisa_{key}"] = (scheme.sisa_indicators or {}).get(key, "")
        return initial

    def scheme_input(self) -> services.SchemeInput:
        data = self.cleaned_data
        return services.SchemeInput(**{name: data[name] for name in SCHEME_FIELDS})

    def indicators(self) -> dict[str, str]:
        return {key: self.cleaned_data[f"sisa_{key}"] for key in national_services.INDICATOR_KEYS}


class AnnexForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A CSV file (UTF-8, separated by semicolons or commas) or an Excel workbook (XLSX), "
            "with the column names in the first row."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)d MB. Split it into smaller files.") % {"max": imports.MAX_MEGABYTES}
            )
        return upload


def _model_label(name: str, model=Allocation):
    return capfirst(model._meta.get_field(name).verbose_name)


class AllocationForm(forms.Form):
    """The annex's amount and/or the components of one allocation; what is left empty stays as it is."""

    annex_amount = EuroField(label=_model_label("annex_amount"), required=False)
    inhabitants = forms.IntegerField(label=_model_label("inhabitants"), required=False, min_value=0)
    low_educated = forms.IntegerField(label=_model_label("low_educated"), required=False, min_value=0)

    def __init__(self, *args, allocation: Allocation | None = None, **kwargs):
        if allocation is not None:
            kwargs.setdefault(
                "initial",
                {
                    "annex_amount": allocation.annex_amount,
                    "inhabitants": allocation.inhabitants,
                    "low_educated": allocation.low_educated,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["annex_amount"].help_text = _("The legal amount, in euros.")
        self.fields["low_educated"].help_text = _(
            "With the number of inhabitants, this gives the computed amount at the year's rates."
        )

    def clean(self):
        data = super().clean() or {}
        if not self.errors and all(data.get(name) is None for name in self.fields):
            raise forms.ValidationError(_("Give the amount in the annex, the numbers of inhabitants, or both."))
        return data


class CorrectionForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    amount = EuroField(
        label=_model_label("amount", AllocationCorrection),
        help_text=_("In euros; a negative amount (for example -1.000) lowers it."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class AdvanceForm(forms.Form):
    paid_on = forms.DateField(label=_model_label("paid_on", AdvancePayment), widget=DATE_WIDGET)
    amount = EuroField(label=_model_label("amount", AdvancePayment), help_text=_("In euros."))
