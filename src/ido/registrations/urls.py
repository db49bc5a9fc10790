from django.urls import path

from ido.registrations import views

app_name = "registrations"

urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_new, name="new"),
    path("<int:pk>/undo/", views.visit_undo, name="undo"),
]
