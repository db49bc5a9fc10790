"""The pages a person reaches without a login, under /courses/: their own enrolment by its signed link, and
enrolling themselves in a session whose course allows it."""

from django.urls import path

from ido.courses import public_views

app_name = "course_links"

urlpatterns = [
    path("e/<str:token>/", public_views.enrolment, name="enrolment"),
    path("enrol/<int:pk>/", public_views.enrol, name="enrol"),
]
