from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone

from ido.appointments import search, selectors
from ido.appointments.search_forms import FreeSlotSearchForm
from ido.core.access import permission_required
from ido.locations.models import LocationStatus
from ido.locations.selectors import locations_visible_to
from ido.organisations.models import Organisation

DEFAULT_WEEKS = 2


@permission_required("appointments.book")
def free_slot_search(request):
    """Free slots across the region's consultation hours, by topic, provider and distance: the desk picks one and
    books it for the visitor. A plain GET form, so a search can be bookmarked and works without JavaScript."""
    actor = request.membership
    locations = locations_visible_to(actor).filter(library=actor.organisation, status=LocationStatus.OPEN)
    locations = locations.order_by("name")
    home = locations.first()
    defaults = {
        "start": timezone.localdate().isoformat(),
        "weeks": str(DEFAULT_WEEKS),
        "near": str(home.pk) if home else "",
    }
    form = FreeSlotSearchForm(
        data={**defaults, **request.GET.dict()},
        providers=Organisation.objects.filter(pk__in=selectors.hours_bookable_by(actor).values("provider_id")).order_by(
            "name"
        ),
        locations=locations,
    )
    found, more = None, False
    if form.is_valid():
        data = form.cleaned_data
        found = search.free_slots(
            actor,
            topic=data["topic"],
            provider=data["provider"],
            near=data["near"],
            within_km=data["within_km"],
            start=data["start"],
            end=data["start"] + timedelta(weeks=data["weeks"], days=-1),
            limit=search.DEFAULT_LIMIT + 1,
        )
        more = len(found) > search.DEFAULT_LIMIT
        found = found[: search.DEFAULT_LIMIT]
    return render(
        request,
        "appointments/free_slots.html",
        {"form": form, "found": found, "more": more, "limit": search.DEFAULT_LIMIT},
    )
