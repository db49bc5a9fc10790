"""Access checks for views: log-in, an organisation to act for, and a named permission."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


def permission_required(permission: str) -> Callable:
    """The view needs a logged-in user acting for an organisation whose role carries `permission`.

    Not logged in: to the login page. No organisation chosen yet: to the chooser. Without the permission: 403.
    Objects outside the organisation's scope are the selectors' business and answer 404.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None:
                if request.memberships:
                    return redirect("accounts:choose_organisation")
                raise PermissionDenied
            if not request.membership.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator
