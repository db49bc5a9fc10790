from django import forms
from django.utils.translation import gettext_lazy as _

from ido.api.models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, for example: website location finder."),
        widget=forms.TextInput(attrs={"class": "utrecht-textbox utrecht-textbox--html-input", "autocomplete": "off"}),
    )
