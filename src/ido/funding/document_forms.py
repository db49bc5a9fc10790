"""The forms of the generated documents: a municipality's text of one kind of document, and the kind of document
to generate for a grant."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ido.funding.document_services import MAX_TEMPLATE_LENGTH
from ido.funding.models import DocumentKind


class TemplateForm(forms.Form):
    """The text of one kind of document; saving it makes a new version (the service checks the placeholders)."""

    text = forms.CharField(
        label=_("Text"),
        max_length=MAX_TEMPLATE_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "cols": 80, "spellcheck": "true"}),
        help_text=_(
            "Placeholders such as ${bedrag} are filled in when a document is generated. "
            'A line starting with "# " is the title, "## " a heading, "- " an item of a list; an empty line ends '
            "a paragraph."
        ),
    )


class GenerateForm(forms.Form):
    """Which document to generate (the button that was pressed)."""

    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
