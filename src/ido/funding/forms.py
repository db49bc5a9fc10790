"""Forms of the municipal officer's funding pages: they parse input (amounts the Dutch way too); the services
decide what is allowed."""

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from ido.funding import rules, services
from ido.funding.models import MONEY, LibraryGrant, Purpose, Stage

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# --- Amounts -----------------------------------------------------------------------------------------------------

# Thousands grouped with a separator: 1.234 or 12.345.678 (the first group without a leading zero).
_GROUPED = {sep: re.compile(rf"^[1-9]\d{{0,2}}(\{sep}\d{{3}})+$") for sep in ".,"}
_MAX_WHOLE_DIGITS = MONEY["max_digits"] - MONEY["decimal_places"]


def parse_money(text: str, *, allow_negative: bool = False) -> Decimal:
    """An amount in euros as people type it: "1.234,56" (Dutch), "1234,56", "1234.56", "1,234.56", "€ 1.234".

    Where both a point and a comma occur, the last one separates the cents. A comma alone separates the cents. A
    point alone separates thousands when it groups them ("1.234" and "1.234.567", as Dutch writes them), else the
    cents ("1234.56"). Raises ValidationError for anything else, for a negative amount and for more than two
    decimals."""
    invalid = forms.ValidationError(_("Give an amount in euros, for example 1.234,56."), code="invalid")
    raw = re.sub(r"[\s\u00a0\u202f€]", "", text or "").removeprefix("EUR").removeprefix("+")
    sign = 1
    if raw.startswith("-"):
        if not allow_negative:
            raise forms.ValidationError(_("An amount cannot be negative."), code="negative")
        sign, raw = -1, raw[1:]
    if not re.fullmatch(r"[\d.,]+", raw):
        raise invalid
    if "," in raw and "." in raw:
        decimal_sep = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        whole, _sep, fraction = raw.rpartition(decimal_sep)
        if not _GROUPED[thousands].match(whole):
            raise invalid
        whole = whole.replace(thousands, "")
    elif "," in raw:
        whole, _sep, fraction = raw.partition(",")
    elif _GROUPED["."].match(raw):
        whole, fraction = raw.replace(".", ""), ""
    else:
        whole, _sep, fraction = raw.partition(".")
    if not (whole or fraction) or any(part and not part.isdigit() for part in (whole, fraction)):
        raise invalid
    if len(fraction) > 2:
        raise forms.ValidationError(_("Give at most two decimals (cents)."), code="decimals")
    if len(whole.lstrip("0")) > _MAX_WHOLE_DIGITS:
        raise forms.ValidationError(_("This amount is too large."), code="too_large")
    return sign * Decimal(f"{whole or '0'}.{fraction or '0'}").quantize(rules.CENT)


class MoneyField(forms.Field):
    """An amount in euros with cents, typed the Dutch way or the English way; cleaned to a Decimal."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        return parse_money(str(value))

    def prepare_value(self, value):
        """A Decimal (an initial value) is shown as the user's language writes it, without grouping."""
        if isinstance(value, Decimal):
            return formats.number_format(value, decimal_pos=2, use_l10n=True)
        return value


# --- Evidence files ------------------------------------------------------------------------------------------------

EVIDENCE_MAX_MEGABYTES = 10
EVIDENCE_MAX_BYTES = EVIDENCE_MAX_MEGABYTES * 1024 * 1024
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
# Allowed extensions and how such a file starts (an extension alone is easily wrong).
EVIDENCE_TYPES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": _ZIP,
    ".xlsx": _ZIP,
    ".pptx": _ZIP,
    ".odt": _ZIP,
    ".ods": _ZIP,
    ".odp": _ZIP,
    ".doc": _OLE,
    ".xls": _OLE,
    ".ppt": _OLE,
}


def validate_evidence(upload) -> None:
    """A PDF, an image or an office document, of at most EVIDENCE_MAX_MEGABYTES."""
    if upload.size > EVIDENCE_MAX_BYTES:
        raise forms.ValidationError(
            _("The file is larger than %(max)d MB.") % {"max": EVIDENCE_MAX_MEGABYTES}, code="too_large"
        )
    signatures = EVIDENCE_TYPES.get(PurePath(upload.name or "").suffix.lower())
    upload.seek(0)
    start = upload.read(16)
    upload.seek(0)
    if signatures is None or not start.startswith(signatures):
        raise forms.ValidationError(
            _("Upload a PDF, an image (JPEG, PNG) or an office document (Word, Excel, PowerPoint, OpenDocument)."),
            code="file_type",
        )


# --- The year page -------------------------------------------------------------------------------------------------


class ExpenditureForm(forms.Form):
    """A line of spending against the year's grant."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices, widget=forms.RadioSelect)
    stage = forms.ChoiceField(
        label=_("Committed or paid"),
        choices=Stage.choices,
        initial=Stage.PAID,
        widget=forms.RadioSelect,
        help_text=_("Committed: promised (obligated) but not paid yet. Paid: the money has gone out."),
    )
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    amount = MoneyField(label=_("Amount in euros"), help_text=_("For example 1.234,56."))
    description = forms.CharField(label=_("Description"), max_length=200)
    grant = forms.ModelChoiceField(
        label=_("Library grant"), queryset=LibraryGrant.objects.none(), required=False, empty_label=_("None")
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        validators=[validate_evidence],
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EVIDENCE_TYPES)}),
    )

    def __init__(self, *args, grants, year: int, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.fields["evidence"].help_text = _(
            "Optional: an invoice or receipt. A PDF, an image or an office document of at most %(max)d MB."
        ) % {"max": EVIDENCE_MAX_MEGABYTES}
        self.fields["grant"].queryset = grants
        self.fields["grant"].label_from_instance = lambda grant: f"{grant.library.name}, {grant.year}"
        if today.year == year:
            self.fields["date"].initial = today

    def expenditure_input(self) -> services.ExpenditureInput:
        data = self.cleaned_data
        return services.ExpenditureInput(
            year=self.year,
            purpose=data["purpose"],
            stage=data["stage"],
            date=data["date"],
            amount=data["amount"],
            description=data["description"],
            grant=data["grant"],
        )


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_WIDGET)


class RemoveExpenditureForm(forms.Form):
    # Kept in the audit trail. Shown in a table row: the placeholder says what to type next to the button.
    reason = forms.CharField(
        label=_("Reason"), max_length=200, widget=forms.TextInput(attrs={"placeholder": _("Reason")})
    )


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class CloseYearForm(forms.Form):
    """Close the year: the reserve kept for next year, whether the account is final, and when it was sent."""

    reserved = MoneyField(label=_("Reserved for next year, in euros"))
    final = forms.ChoiceField(label=_("Final account"), choices=YES_NO, initial="no", widget=forms.RadioSelect)
    submitted_on = forms.DateField(
        label=_("Submitted on"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("The date the account (SiSa) was sent. Leave empty if it has not been sent yet."),
    )

    def __init__(self, *args, reservable: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reserved"].initial = reservable
        self.fields["reserved"].help_text = _("At most %(amount)s euros.") % {
            "amount": formats.number_format(reservable, decimal_pos=2, use_l10n=True, force_grouping=True)
        }


class ReopenYearForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


# --- Library grants -----------------------------------------------------------------------------------------------

DATE_INPUT_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y")


def parse_dates(text: str) -> tuple[date, ...]:
    """Dates, one per line (or separated by commas or semicolons): 2026-07-01, 1-7-2026 or 1/7/2026."""
    days = []
    for part in re.split(r"[\n,;]+", text or ""):
        value = part.strip()
        if not value:
            continue
        for pattern in DATE_INPUT_FORMATS:
            try:
                days.append(datetime.strptime(value, pattern).date())
                break
            except ValueError:
                continue
        else:
            raise forms.ValidationError(
                _("“%(value)s” is not a date. Write it like 1-7-2026."), params={"value": value}, code="invalid"
            )
    return tuple(sorted(set(days)))


class GrantForm(forms.Form):
    """The municipality's grant to a library: the fields of `services.GrantInput`, and the library."""

    library = forms.ModelChoiceField(label=_("Library"), queryset=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    starts_on = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Until"), widget=DATE_WIDGET)
    amount = MoneyField(label=_("Amount in euros"), help_text=_("For example 1.234,56."))
    activities = forms.CharField(
        label=_("Activities"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    locations = forms.IntegerField(label=_("Number of IDO locations"), min_value=0, max_value=1000, initial=1)
    hours_per_week = forms.DecimalField(
        label=_("Opening hours per week"),
        min_value=0,
        max_value=168,
        max_digits=5,
        decimal_places=1,
        initial=0,
        localize=True,
    )
    promotion = forms.CharField(
        label=_("Promotion"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    reporting_dates = forms.CharField(
        label=_("Reporting dates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One date per line, for example 1-7-2026."),
    )
    quality_review = forms.CharField(
        label=_("Quality review or certification"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        help_text=_("Only for your own municipality: other funders do not see it."),
    )

    def __init__(self, *args, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries

    def clean_reporting_dates(self):
        return parse_dates(self.cleaned_data["reporting_dates"])

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end comes after the start."))
        return cleaned

    def grant_input(self) -> services.GrantInput:
        data = self.cleaned_data
        return services.GrantInput(
            year=data["year"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            amount=data["amount"],
            activities=data["activities"],
            locations=data["locations"],
            hours_per_week=data["hours_per_week"],
            promotion=data["promotion"],
            reporting_dates=data["reporting_dates"],
            quality_review=data["quality_review"],
            internal_note=data["internal_note"],
        )

    @staticmethod
    def initial_for(grant: LibraryGrant) -> dict:
        days = [date.fromisoformat(day) for day in grant.reporting_dates or []]
        return {
            "library": grant.library_id,
            "year": grant.year,
            "starts_on": grant.starts_on,
            "ends_on": grant.ends_on,
            "amount": grant.amount,
            "activities": grant.activities,
            "locations": grant.locations,
            "hours_per_week": grant.hours_per_week,
            "promotion": grant.promotion,
            "reporting_dates": "\n".join(f"{day.day}-{day.month}-{day.year}" for day in days),
            "quality_review": grant.quality_review,
            "internal_note": grant.internal_note,
        }

    @staticmethod
    def initial_new(today: date) -> dict:
        return {"year": today.year, "starts_on": date(today.year, 1, 1), "ends_on": date(today.year, 12, 31)}


class InstalmentForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=DATE_WIDGET)
    amount = MoneyField(label=_("Amount in euros"))


class InstalmentPaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_WIDGET)


class DecideGrantForm(forms.Form):
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE_WIDGET)
