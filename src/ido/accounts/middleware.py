"""Second factor: until a logged-in user has passed TOTP (or set it up, where that is enforced), they can open
only the pages for that step. Everything else redirects there."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django_otp import user_has_device

# Not pages of the app: they carry no personal data or do their own authentication (the API uses tokens).
OPEN_PREFIXES = ("/i18n/", "/static/", "/health/", "/api/")


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def _pending_step(self, user) -> str | None:
        """The URL name of the step still to take, or None when the user may go anywhere."""
        if not user.is_authenticated or user.is_verified():
            return None
        if user_has_device(user, confirmed=True):
            return "accounts:verify"
        if settings.IDO_ENFORCE_2FA:
            return "accounts:setup"
        return None

    @staticmethod
    def _view_name(path_info: str) -> str | None:
        try:
            return resolve(path_info).view_name
        except Resolver404:
            return None

    def __call__(self, request):
        step = self._pending_step(request.user)
        request.second_factor_pending = step is not None
        # path_info is what the URL resolver routes on; request.path also carries SCRIPT_NAME, which a client
        # can influence, so it must not decide what is open.
        if step is not None and not request.path_info.startswith(OPEN_PREFIXES):
            allowed = {step, "accounts:logout"}
            if step == "accounts:setup":
                allowed.add("accounts:backup_codes")
            if self._view_name(request.path_info) not in allowed:
                return redirect(step)
        return self.get_response(request)
