from django.urls import path

from ido.organisations import views

app_name = "organisations"

urlpatterns = [
    path("organisations/", views.organisation_list, name="list"),
    path("organisations/new/", views.organisation_create, name="create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="edit"),
    path("members/", views.member_list, name="members"),
    path("members/new/", views.member_add, name="member_add"),
    path("members/<int:pk>/end/", views.member_end, name="member_end"),
    path("municipalities/", views.municipality_list, name="municipalities"),
    path("municipalities/import/", views.municipality_import, name="municipality_import"),
    path("municipalities/<str:cbs_code>/", views.municipality_detail, name="municipality"),
]
