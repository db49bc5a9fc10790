from django.urls import path

from ido.public import widget_views

app_name = "widget"

urlpatterns = [
    path("", widget_views.manage, name="manage"),
    path("<int:pk>/remove/", widget_views.remove, name="remove"),
]
