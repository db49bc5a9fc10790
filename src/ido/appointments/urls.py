from django.urls import path

from ido.appointments import document_views, search_views, views

app_name = "appointments"

urlpatterns = [
    path("", views.hour_list, name="hours"),
    path("new/", views.hour_new, name="hour_new"),
    path("<int:pk>/", views.hour_detail, name="hour"),
    path("<int:pk>/book/", views.hour_book, name="book"),
    path("<int:pk>/edit/", views.hour_edit, name="hour_edit"),
    path("<int:pk>/cancel-date/", views.hour_cancel_date, name="hour_cancel_date"),
    path("<int:pk>/cancel/", views.hour_cancel, name="hour_cancel"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:pk>/mark/", views.appointment_mark, name="mark"),
    path("appointments/<int:pk>/card.pdf", document_views.appointment_card, name="card"),
    path("day/", views.day_list, name="day"),
    path("hosting/", views.hosting, name="hosting"),
    path("hosting/<int:pk>/end/", views.hosting_end, name="hosting_end"),
    path("free/", search_views.free_slot_search, name="free_slots"),
]
