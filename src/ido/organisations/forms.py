from django import forms
from django.utils.translation import gettext_lazy as _

from ido.organisations.models import Municipality, Organisation, Province
from ido.organisations.roles import ROLES_MANAGED_BY_COORDINATOR, OrganisationKind, Role


class OrganisationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.filter(organisation__isnull=True),
        required=False,
        help_text=_("Only for a municipality."),
    )
    served_municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities served"),
        queryset=Municipality.objects.all(),
        required=False,
        help_text=_("Only for a library. Hold Ctrl (or Cmd) to choose more than one."),
    )
    is_national_partner = forms.BooleanField(label=_("National partner"), required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    phone = forms.CharField(label=_("Phone number"), max_length=30, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")


class OrganisationEditForm(OrganisationForm):
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["kind"]
        del self.fields["municipality"]
        if organisation.kind != OrganisationKind.LIBRARY:
            del self.fields["served_municipalities"]
        if organisation.kind != OrganisationKind.PARTNER:
            del self.fields["is_national_partner"]


class MemberForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_volunteer = forms.BooleanField(label=_("Volunteer"), required=False, help_text=_("Only for desk staff."))

    def __init__(self, *args, organisations=None, coordinator_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if coordinator_only:
            self.fields["role"].choices = [(r.value, r.label) for r in Role if r in ROLES_MANAGED_BY_COORDINATOR]
        if organisations is not None:
            self.fields["organisation"] = forms.ModelChoiceField(label=_("Organisation"), queryset=organisations)
            self.order_fields(["organisation", "email", "name", "role", "is_volunteer"])


class MunicipalityFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or CBS code"), required=False, max_length=100)
    province = forms.ChoiceField(
        label=_("Province"), required=False, choices=[("", _("All provinces")), *Province.choices]
    )
    without_open_location = forms.BooleanField(
        label=_("Only municipalities without an open IDO location"), required=False
    )


class MunicipalityImportForm(forms.Form):
    MAX_BYTES = 2 * 1024 * 1024

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns cbs_code, name and province_cbs_code; optionally valid_from, inhabitants and "
            "inhabitants_year. UTF-8, comma-separated, with a header row."
        ),
    )
    end_missing = forms.BooleanField(
        label=_("Give municipalities that are not in the file an end date (today)"),
        required=False,
        help_text=_("For example after a merger. Without this, they are only listed."),
    )
    check_only = forms.BooleanField(label=_("Only check; save nothing"), required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB. Is this the right file?"))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                _("This is not a UTF-8 text file. Save it as CSV (UTF-8) and try again.")
            ) from error
