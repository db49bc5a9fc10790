from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from ido.api import appointment_views, course_views, referral_views, views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="schema"),
    path("municipalities/", views.MunicipalityList.as_view(), name="municipality-list"),
    re_path(
        r"^municipalities/(?P<cbs_code>GM[0-9]{4})/$",
        views.MunicipalityDetail.as_view(),
        name="municipality-detail",
    ),
    path("organisation/", views.OwnOrganisation.as_view(), name="organisation"),
    path("locations/", views.LocationList.as_view(), name="location-list"),
    path("locations/<int:id>/", views.LocationDetail.as_view(), name="location-detail"),
    path("visits/", views.VisitList.as_view(), name="visit-list"),
    path("topics/", views.TopicList.as_view(), name="topic-list"),
    path("service-organisations/", views.ServiceOrganisationList.as_view(), name="service-organisation-list"),
    path("help-given/", views.HelpGivenList.as_view(), name="help-given-list"),
    path(
        "locations/<int:location_id>/consultation-hours/",
        appointment_views.LocationConsultationHourList.as_view(),
        name="location-consultation-hour-list",
    ),
    path(
        "consultation-hours/<int:id>/slots/",
        appointment_views.ConsultationHourSlotList.as_view(),
        name="consultation-hour-slot-list",
    ),
    path("appointments/", appointment_views.AppointmentList.as_view(), name="appointment-list"),
    path("appointments/<int:id>/cancel/", appointment_views.AppointmentCancel.as_view(), name="appointment-cancel"),
    path("referrals/", referral_views.ReferralList.as_view(), name="referral-list"),
    path("referrals/<int:id>/", referral_views.ReferralDetail.as_view(), name="referral-detail"),
    path("referrals/<int:id>/status/", referral_views.ReferralStatusChange.as_view(), name="referral-status"),
    path("courses/", course_views.CourseList.as_view(), name="course-list"),
    path("course-sessions/", course_views.CourseSessionList.as_view(), name="course-session-list"),
    path("enrolments/", course_views.EnrolmentList.as_view(), name="enrolment-list"),
    path("enrolments/<int:id>/cancel/", course_views.EnrolmentCancel.as_view(), name="enrolment-cancel"),
    # [\s\S], not ".": a generated or typed path may hold a newline.
    re_path(r"^(?:[\s\S]*/)?$", views.not_found),
]
