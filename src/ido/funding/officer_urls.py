"""The municipality's funding pages (its years, spending and grants to libraries) and what a library reads of
them."""

from django.urls import path

from ido.funding import views

urlpatterns = [
    path("", views.home, name="home"),
    path("<int:year>/", views.year, name="year"),
    path("spending/<int:pk>/evidence/", views.evidence, name="evidence"),
    path("grants/", views.grants, name="grants"),
    path("grants/new/", views.grant_new, name="grant_new"),
    path("grants/<int:pk>/", views.grant, name="grant"),
    path("grants/<int:pk>/edit/", views.grant_edit, name="grant_edit"),
]
