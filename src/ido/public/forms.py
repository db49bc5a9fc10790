from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ido.public.embedding import normalise_origin


class EmbeddingSiteForm(forms.Form):
    """A website that may show the widget: checked and written the way the policy needs it."""

    origin = forms.CharField(
        label=_("Website address"),
        max_length=200,
        help_text=_(
            "For example https://www.utrecht.nl. Only the website, not a page on it. "
            "For all sub-sites at once: https://*.utrecht.nl."
        ),
        widget=forms.TextInput(
            attrs={
                "class": "utrecht-textbox utrecht-textbox--html-input",
                "autocomplete": "url",
                "spellcheck": "false",
                "inputmode": "url",
            }
        ),
    )

    def clean_origin(self) -> str:
        value = self.cleaned_data["origin"]
        try:
            return normalise_origin(value)
        except ValidationError as error:
            raise ValidationError(error.messages) from error
