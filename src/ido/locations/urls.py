from django.urls import path

from ido.locations import coverage_views, views

app_name = "locations"

urlpatterns = [
    path("", views.location_list, name="list"),
    path("new/", views.location_create, name="create"),
    path("coverage/", coverage_views.coverage_view, name="coverage"),
    path("<int:pk>/", views.location_detail, name="detail"),
    path("<int:pk>/edit/", views.location_edit, name="edit"),
    path("<int:pk>/hours/", views.location_hours, name="hours"),
    path("<int:pk>/exceptions/", views.location_exceptions, name="exceptions"),
    path("<int:pk>/exceptions/<int:exception_pk>/remove/", views.exception_remove, name="exception_remove"),
]
