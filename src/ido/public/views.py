from django.shortcuts import render

from ido.appointments.selectors import publicly_bookable_hours
from ido.locations.selectors import public_locations, with_opening_hours, with_opening_status


def index(request):
    """The citizen's way in. The full finder (postcode search, distance) is its own module."""
    locations = with_opening_hours(public_locations().order_by("city", "name"))
    bookable: dict[int, list] = {}
    for hour in publicly_bookable_hours().order_by("title"):
        bookable.setdefault(hour.location_id, []).append(hour)
    rows = [{**row, "bookable_hours": bookable.get(row["location"].pk, [])} for row in with_opening_status(locations)]
    return render(request, "public/index.html", {"rows": rows})
