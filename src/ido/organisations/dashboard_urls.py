from django.urls import path

from ido.organisations import dashboards

app_name = "dashboard"

urlpatterns = [
    path("desk/", dashboards.desk, name="desk"),
    path("coordinator/", dashboards.coordinator, name="coordinator"),
    path("partner/", dashboards.partner, name="partner"),
    path("municipality/", dashboards.municipality, name="municipality"),
    path("national/", dashboards.national, name="national"),
]
