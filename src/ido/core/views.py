from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from ido.core.access import permission_required
from ido.core.selectors import audit_events_visible_to
from ido.organisations.roles import ROLE_HOME


@never_cache
def health(request):
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception:
        database = "unavailable"
    healthy = database == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "database_vendor": connection.vendor},
        status=200 if healthy else 503,
    )


def home(request):
    """After login: the first screen of the role the user acts in."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if request.membership is None:
        return redirect("accounts:choose_organisation")
    return redirect(ROLE_HOME[request.membership.role])


@permission_required("audit.view")
def audit_list(request):
    events = audit_events_visible_to(request.membership).select_related("organisation")[:200]
    return render(request, "core/audit_list.html", {"events": events})
