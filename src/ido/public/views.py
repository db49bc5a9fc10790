from django.shortcuts import render

from ido.appointments.selectors import publicly_bookable_hours
from ido.courses.selectors import public_sessions
from ido.locations.selectors import public_locations, with_opening_hours, with_opening_status

# The next few courses per location; the full list is on the location's own page (the finder).
COURSES_PER_LOCATION = 3


def index(request):
    """The citizen's way in. The full finder (postcode search, distance) is its own module."""
    locations = with_opening_hours(public_locations().order_by("city", "name"))
    bookable: dict[int, list] = {}
    for hour in publicly_bookable_hours().order_by("title"):
        bookable.setdefault(hour.location_id, []).append(hour)
    courses: dict[int, list] = {}
    for session in public_sessions().order_by("starts_at"):
        courses.setdefault(session.location_id, []).append(session)
    rows = [
        {
            **row,
            "bookable_hours": bookable.get(row["location"].pk, []),
            "courses": courses.get(row["location"].pk, [])[:COURSES_PER_LOCATION],
        }
        for row in with_opening_status(locations)
    ]
    return render(request, "public/index.html", {"rows": rows})
