from django.urls import path

from ido.referrals import network_views

app_name = "network"

urlpatterns = [
    path("", network_views.directory, name="directory"),
    path("services/new/", network_views.service_new, name="service_new"),
    path("services/<int:pk>/", network_views.service_detail, name="service"),
    path("services/<int:pk>/edit/", network_views.service_edit, name="service_edit"),
    path("services/<int:pk>/deactivate/", network_views.service_deactivate, name="service_deactivate"),
    path("services/<int:pk>/reactivate/", network_views.service_reactivate, name="service_reactivate"),
    path("agreements/", network_views.agreement_list, name="agreements"),
    path("agreements/new/", network_views.agreement_new, name="agreement_new"),
    path("agreements/<int:pk>/", network_views.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/edit/", network_views.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/end/", network_views.agreement_end, name="agreement_end"),
    path("overview/", network_views.overview, name="overview"),
]
