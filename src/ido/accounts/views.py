import base64

import qrcode
import qrcode.image.svg
from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ido.accounts import services
from ido.accounts.forms import ChooseOrganisationForm, EnrolTokenForm, LoginForm, TokenForm
from ido.organisations.middleware import SESSION_KEY

PENDING_DEVICE_KEY = "ido_pending_totp_device"
NEW_CODES_KEY = "ido_new_backup_codes"


def _safe_next(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


@sensitive_post_parameters("password")
def login_view(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        return redirect(_safe_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("accounts:login")


@never_cache
@login_required
def verify_view(request):
    """Second step of logging in: a TOTP code or a backup code."""
    if request.user.is_verified():
        return redirect(_safe_next(request))
    if not user_has_device(request.user, confirmed=True):
        return redirect("accounts:setup")
    form = TokenForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        throttled = False
        # Six digits come from the app, anything else is a backup code: trying a code on the wrong kind of
        # device would count as a failure there and slow down the next, correct attempt.
        from_app = len(token) == 6 and token.isdigit()
        devices = [
            device
            for device in devices_for_user(request.user, confirmed=True)
            if isinstance(device, TOTPDevice) == from_app
        ]
        for device in devices:
            verify_allowed, _info = device.verify_is_allowed()
            throttled = throttled or not verify_allowed
            if verify_allowed and device.verify_token(token):
                otp_login(request, device)
                if not from_app:
                    left = services.remaining_backup_codes(user=request.user)
                    messages.warning(
                        request,
                        ngettext(
                            "You used a backup code. You have %(count)d left.",
                            "You used a backup code. You have %(count)d left.",
                            left,
                        )
                        % {"count": left},
                    )
                return redirect(_safe_next(request))
        if throttled:
            form.add_error("token", _("Too many wrong codes in a short time. Wait a minute, then try again."))
        else:
            form.add_error("token", _("This code is not correct or has expired. Try the newest code in your app."))
    return render(request, "accounts/verify.html", {"form": form, "next": request.GET.get("next", "")})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@never_cache
@sensitive_post_parameters("password")
@login_required
def setup_view(request):
    """Enrol an authenticator app: scan the QR code, confirm with one code, receive backup codes.

    Replacing a device (a new phone) needs a session that passed the current second factor first: otherwise a
    stolen password would be enough to enrol the thief's own app."""
    if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
        return redirect("accounts:verify")
    device = None
    device_id = request.session.get(PENDING_DEVICE_KEY)
    if device_id:
        device = TOTPDevice.objects.filter(pk=device_id, user=request.user, confirmed=False).first()
    if device is None:
        device = services.start_totp_enrolment(user=request.user)
        request.session[PENDING_DEVICE_KEY] = device.pk
    replacing = user_has_device(request.user, confirmed=True)
    form = EnrolTokenForm(data=request.POST or None, user=request.user, replacing=replacing)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_totp_enrolment(user=request.user, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
            del request.session[PENDING_DEVICE_KEY]
            request.session[NEW_CODES_KEY] = codes
            return redirect("accounts:backup_codes")
        form.add_error("token", _("This code is not correct. Check the time on your phone and try the newest code."))
    secret_b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/setup.html",
        {"form": form, "qr_svg": _qr_svg(device.config_url), "secret": secret_b32},
    )


@never_cache
@login_required
def backup_codes_view(request):
    """Show new backup codes once; on POST, make a new set (the old ones stop working)."""
    if request.method == "POST":
        if not request.user.is_verified():
            return redirect("accounts:verify")
        request.session[NEW_CODES_KEY] = services.regenerate_backup_codes(user=request.user)
        return redirect("accounts:backup_codes")
    codes = request.session.pop(NEW_CODES_KEY, None)
    remaining = services.remaining_backup_codes(user=request.user)
    return render(request, "accounts/backup_codes.html", {"codes": codes, "remaining": remaining})


@login_required
def choose_organisation_view(request):
    memberships = request.memberships
    if not memberships:
        return render(request, "accounts/no_membership.html", status=403)
    form = ChooseOrganisationForm(memberships, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[SESSION_KEY] = form.cleaned_data["membership"]
        return redirect("home")
    if request.membership:
        form.initial["membership"] = request.membership.pk
    return render(request, "accounts/choose_organisation.html", {"form": form})


@login_required
def account_view(request):
    return render(
        request,
        "accounts/account.html",
        {
            "has_totp": user_has_device(request.user, confirmed=True),
            "remaining_codes": services.remaining_backup_codes(user=request.user),
        },
    )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        # A new password chosen through the e-mailed link proves control of the account: lift the lock-out.
        axes_reset(username=self.user.email)
        return super().form_valid(form)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)
