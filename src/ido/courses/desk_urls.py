"""Enrolling visitors at the desk: find a session, enrol, and look after the enrolment."""

from django.urls import path

from ido.courses import desk_views

urlpatterns: list = [
    path("find/", desk_views.find, name="find"),
    path("sessions/<int:pk>/enrol/", desk_views.enrol, name="enrol"),
    path("enrolments/<int:pk>/", desk_views.enrolment_detail, name="enrolment"),
    path("enrolments/<int:pk>/cancel/", desk_views.enrolment_cancel, name="enrolment_cancel"),
    path("enrolments/<int:pk>/accept/", desk_views.enrolment_accept, name="enrolment_accept"),
    path("enrolments/<int:pk>/decline/", desk_views.enrolment_decline, name="enrolment_decline"),
]
