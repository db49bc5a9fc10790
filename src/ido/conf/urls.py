from django.urls import include, path
from django.views.i18n import set_language

from ido.core import views as core_views

urlpatterns = [
    path("health/", core_views.health, name="health"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("ido.accounts.urls")),
    path("app/", core_views.home, name="home"),
    path("app/", include("ido.core.urls")),
    path("app/", include("ido.organisations.urls")),
    path("app/home/", include("ido.organisations.dashboard_urls")),
    path("app/locations/", include("ido.locations.urls")),
    path("app/registrations/", include("ido.registrations.urls")),
    path("app/consultation-hours/", include("ido.appointments.urls")),
    path("app/network/", include("ido.referrals.network_urls")),
    path("app/referrals/", include("ido.referrals.urls")),
    path("app/courses/", include("ido.courses.urls")),
    path("app/funding/", include("ido.funding.urls")),
    path("api/v1/", include("ido.api.urls")),
    path("calendar/", include("ido.appointments.feed_urls")),
    path("appointments/", include("ido.appointments.public_urls")),
    path("courses/", include("ido.courses.public_urls")),
    path("app/api-tokens/", include("ido.api.token_urls")),
    path("app/widget/", include("ido.public.widget_urls")),
    path("", include("ido.public.urls")),
]
