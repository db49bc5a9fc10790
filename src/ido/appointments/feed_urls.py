from django.urls import path

from ido.appointments import views

app_name = "calendars"

urlpatterns = [
    path("hours/<str:token>.ics", views.hour_feed, name="hour"),
    path("locations/<str:token>.ics", views.location_feed, name="location"),
]
