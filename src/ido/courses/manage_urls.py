"""Managing the catalogue and sessions (namespace "courses", under /app/courses/)."""

from django.urls import path

from ido.courses import views

urlpatterns: list = [
    path("", views.catalogue, name="catalogue"),
    path("new/", views.course_new, name="course_new"),
    path("<int:pk>/", views.course_detail, name="course"),
    path("<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("<int:pk>/sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("meetings/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("meetings/<int:pk>/reschedule/", views.reschedule, name="reschedule"),
]
