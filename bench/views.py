"""Bench-only code that runs inside the request: the bare view and the timing middleware."""

from time import perf_counter

from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils import timezone

from ido.registrations.models import Visit

# Set by the benchmark before it starts: where the bare view's rows go.
BARE_TARGET: dict[str, int] = {}


def bare_insert(request):
    """The floor: the same middleware stack and session as the real save, then one INSERT of a visit row, no
    form, no checks, no template."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    Visit.objects.create(
        location_id=BARE_TARGET["location"],
        library_id=BARE_TARGET["library"],
        registered_by_id=request.user.pk,
        occurred_at=timezone.now(),
    )
    return HttpResponse(status=204)


class ServerTimingMiddleware:
    """Adds `Server-Timing: app;dur=<ms>`: the time from entering the middleware stack to the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(perf_counter() - start) * 1000:.3f}"
        return response
