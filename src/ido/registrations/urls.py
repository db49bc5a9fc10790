from django.urls import path

from ido.registrations import views

app_name = "registrations"

urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_new, name="new"),
    path("repeat/", views.visit_repeat, name="repeat"),
    path("<int:pk>/undo/", views.visit_undo, name="undo"),
    path("overview/", views.overview, name="overview"),
    path("overview/export.csv", views.overview_export, {"file_format": "csv"}, name="overview_csv"),
    path("overview/export.xlsx", views.overview_export, {"file_format": "xlsx"}, name="overview_xlsx"),
]
