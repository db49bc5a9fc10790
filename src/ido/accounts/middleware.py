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
        # True while the user still has to pass (or set up) the second factor: pages then show no menu.
        request.second_factor_pending = False
        if user.is_authenticated and not user.is_verified():
            if user_has_device(user, confirmed=True):
                request.second_factor_pending = True
                if not request.path.startswith(OPEN_PREFIXES):
                    return redirect("accounts:verify")
            elif settings.IDO_ENFORCE_2FA:
                request.second_factor_pending = True
                if not request.path.startswith(OPEN_PREFIXES):
                    return redirect("accounts:setup")
        return self.get_response(request)
