from django import forms
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _


class CitizenBookingForm(forms.Form):
    """A citizen books a time themselves: a first name or initials; a phone number or e-mail address only for a
    reminder, with their own consent."""

    slot = forms.ChoiceField(label=_("Time"), widget=forms.RadioSelect)
    name = forms.CharField(
        label=_("Your first name or initials"),
        max_length=40,
        help_text=_("So we know whom to expect. Your last name is not needed."),
    )
    phone = forms.CharField(
        label=_("Mobile number"), max_length=20, required=False, help_text=_("Only if you want a text message.")
    )
    email = forms.EmailField(
        label=_("E-mail address"), required=False, help_text=_("Only if you want an e-mail with the appointment.")
    )
    consent = forms.BooleanField(label=_("I agree (read the text above)"), required=False)

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [
            (slot.starts_at.isoformat(), date_format(localtime(slot.starts_at), "H:i")) for slot in slots
        ]

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("phone") or cleaned.get("email")) and not cleaned.get("consent"):
            self.add_error(
                "consent", _("We only keep your number or address if you agree: tick the box, or leave them empty.")
            )
        return cleaned
