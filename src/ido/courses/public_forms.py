"""The citizen's own enrolment form: a first name or initials; a phone number or e-mail address only with their own
consent (for the dates, the reminders and a free place on the waitlist); whether a companion comes along."""

from django import forms
from django.utils.translation import gettext_lazy as _

ALONE, WITH_COMPANION = "1", "2"


class CitizenEnrolmentForm(forms.Form):
    name = forms.CharField(
        label=_("Your first name or initials"),
        max_length=40,
        help_text=_("So we know whom to expect. Your last name is not needed."),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        required=False,
        help_text=_("For a reminder by text message, or a call when a place frees for you."),
    )
    email = forms.EmailField(
        label=_("E-mail address"), required=False, help_text=_("For an e-mail with the dates and your own link.")
    )
    consent = forms.BooleanField(label=_("I agree (read the text above)"), required=False)
    places = forms.TypedChoiceField(
        label=_("Do you bring someone to the course?"),
        choices=[(ALONE, _("No, I come alone")), (WITH_COMPANION, _("Yes, I come with someone (two places)"))],
        coerce=int,
        initial=ALONE,
        widget=forms.RadioSelect,
    )
    waitlist = forms.BooleanField(
        label=_("Is the course full? Then put me on the waitlist."),
        required=False,
        initial=True,
        help_text=_("When a place frees, you get it for a short time. We let you know if you gave a phone or e-mail."),
    )

    def clean(self):
        cleaned = super().clean() or {}
        if (cleaned.get("phone") or cleaned.get("email")) and not cleaned.get("consent"):
            self.add_error(
                "consent", _("We only keep your number or address if you agree: tick the box, or leave them empty.")
            )
        return cleaned
