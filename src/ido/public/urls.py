from django.urls import path

from ido.public import open_data, promotion, views

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("locations/<int:pk>/", views.location_page, name="location"),
    path("locations/<int:pk>/poster.pdf", promotion.poster, name="poster"),
    path("locations/<int:pk>/flyer.pdf", promotion.flyer, name="flyer"),
    path("widget/<str:cbs_code>/", promotion.widget, name="widget"),
    path("open-data/", open_data.overview, name="open_data"),
    path("open-data/locations.json", open_data.locations_json, name="open_data_json"),
    path("open-data/locations.csv", open_data.locations_csv, name="open_data_csv"),
    path("open-data/consultation-hours.ics", open_data.consultation_hours_ics, name="open_data_ics"),
    path("open-data/hsds-locations.schema.json", open_data.schema, name="open_data_schema"),
]
