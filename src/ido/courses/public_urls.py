"""The pages a person reaches without a login, under /courses/: their own enrolment by its signed link."""

from django.urls import path  # noqa: F401

app_name = "course_links"

urlpatterns: list = []
