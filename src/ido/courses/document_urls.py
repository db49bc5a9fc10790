"""The documents of an enrolment (PDF) and the anonymous figures, under /app/courses/."""

from django.urls import path

from ido.courses import document_views

urlpatterns = [
    path("enrolments/<int:pk>/card.pdf", document_views.enrolment_card, name="card"),
    path("enrolments/<int:pk>/certificate.pdf", document_views.enrolment_certificate, name="certificate"),
    path("figures/", document_views.course_figures, name="figures"),
]
