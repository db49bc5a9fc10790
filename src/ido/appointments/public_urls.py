"""Pages for citizens, without login: cancelling by link (and booking themselves where the provider allows)."""

from django.urls import path

from ido.appointments import public_views

app_name = "booking"

urlpatterns = [
    path("cancel/<str:token>/", public_views.cancel, name="cancel"),
    path("book/<int:pk>/", public_views.book, name="book"),
    path("booked/<str:token>/", public_views.booked, name="booked"),
    path("booked/<str:token>/calendar.ics", public_views.appointment_calendar, name="calendar"),
    path("booked/<str:token>/card.pdf", public_views.appointment_card, name="card"),
]
