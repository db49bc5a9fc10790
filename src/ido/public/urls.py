from django.urls import path

from ido.public import views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
]
