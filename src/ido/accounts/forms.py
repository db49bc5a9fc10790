from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        email, password = cleaned.get("username"), cleaned.get("password")
        if email and password:
            # Axes wraps authenticate(): it needs the request to count failures and lock out.
            self.user = authenticate(self.request, username=email.lower(), password=password)
            if self.user is None:
                raise forms.ValidationError(
                    _("The e-mail address or password is not correct. Check both and try again."),
                    code="invalid_login",
                )
        return cleaned


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self):
        return self.cleaned_data["token"].replace(" ", "").strip()


class EnrolTokenForm(TokenForm):
    """The first code from a newly scanned app; backup codes do not exist yet at this step."""

    def __init__(self, *args, user, replacing: bool, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        field = self.fields["token"]
        field.help_text = _("The 6-digit code your authenticator app shows now.")
        field.widget.attrs.pop("autofocus", None)
        if replacing:
            # Replacing the app from a logged-in browser: ask for the password, so an unattended session
            # cannot take over the second factor.
            self.fields["password"] = forms.CharField(
                label=_("Your password"),
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )
            self.order_fields(["password", "token"])

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This password is not correct."), code="password_incorrect")
        return password


class ChooseOrganisationForm(forms.Form):
    membership = forms.TypedChoiceField(label=_("Organisation and role"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, memberships, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [
            (m.pk, f"{m.organisation.name} – {m.get_role_display()}") for m in memberships
        ]
