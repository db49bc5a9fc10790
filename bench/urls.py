"""The project's URLs plus the bare view that sets the floor for a save."""

from django.urls import path

from bench import views
from ido.conf.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/bare-insert/", views.bare_insert, name="bench_bare_insert"),
    *project_urlpatterns,
]
