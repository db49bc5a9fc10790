"""Second factor: a logged-in user who has not passed TOTP yet can only reach the 2FA pages."""

from django.conf import settings
from django.shortcuts import redirect
from django_otp import user_has_device

OPEN_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/i18n/", "/static/", "/health/", "/api/")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not request.path.startswith(OPEN_PREFIXES):
            if user_has_device(user, confirmed=True):
                return redirect("accounts:verify")
            if settings.IDO_ENFORCE_2FA:
                return redirect("accounts:setup")
        return self.get_response(request)
