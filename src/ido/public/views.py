from django.shortcuts import render

from ido.locations.selectors import public_locations, with_opening_hours, with_opening_status


def index(request):
    """The citizen's way in. The full finder (postcode search, distance) is its own module."""
    locations = with_opening_hours(public_locations().order_by("city", "name"))
    return render(request, "public/index.html", {"rows": with_opening_status(locations)})
