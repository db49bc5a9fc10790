"""The national administrator's pages: schemes, all allocations of a year, the annex import, one allocation."""

from django.urls import path

from ido.funding import national_views

urlpatterns = [
    path("national/", national_views.allocations, name="allocations"),
    path("national/schemes/new/", national_views.scheme_new, name="scheme_new"),
    path("national/schemes/<int:year>/", national_views.scheme, name="scheme"),
    path("national/<int:year>/import/", national_views.annex_import, name="annex_import"),
    path("national/<int:year>/import/template.csv", national_views.annex_template, name="annex_template"),
    path("national/<int:year>/<str:cbs_code>/", national_views.allocation, name="allocation"),
]
