from django.urls import path

from ido.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.hour_list, name="hours"),
    path("new/", views.hour_new, name="hour_new"),
    path("<int:pk>/", views.hour_detail, name="hour"),
    path("<int:pk>/book/", views.hour_book, name="book"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:pk>/mark/", views.appointment_mark, name="mark"),
    path("day/", views.day_list, name="day"),
]
