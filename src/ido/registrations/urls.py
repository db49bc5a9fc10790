from django.urls import path

from ido.registrations import import_views, views, vocabulary_views

app_name = "registrations"

urlpatterns = [
    path("", views.visit_list, name="list"),
    path("new/", views.visit_new, name="new"),
    path("repeat/", views.visit_repeat, name="repeat"),
    path("<int:pk>/undo/", views.visit_undo, name="undo"),
    path("overview/", views.overview, name="overview"),
    path("overview/export.csv", views.overview_export, {"file_format": "csv"}, name="overview_csv"),
    path("overview/export.xlsx", views.overview_export, {"file_format": "xlsx"}, name="overview_xlsx"),
    path("import/", import_views.import_visits, name="import"),
    path("import/template.csv", import_views.import_template, name="import_template"),
    path("<int:pk>/edit/", views.visit_edit, name="edit"),
    path("quick/<int:topic_pk>/", views.visit_quick, name="quick"),
    path("favourites/", views.favourites, name="favourites"),
    path("settings/", views.registration_settings, name="settings"),
    path("vocabularies/", vocabulary_views.term_list, name="vocabularies"),
    path("vocabularies/kb-mapping/", vocabulary_views.kb_mapping, name="kb_mapping"),
    path("vocabularies/<slug:kind>/", vocabulary_views.term_list, name="vocabulary"),
    path("vocabularies/<slug:kind>/new/", vocabulary_views.term_new, name="vocabulary_new"),
    path("vocabularies/<slug:kind>/<int:pk>/", vocabulary_views.term_edit, name="vocabulary_edit"),
    path("vocabularies/<slug:kind>/<int:pk>/retire/", vocabulary_views.term_retire, name="vocabulary_retire"),
    path("vocabularies/<slug:kind>/<int:pk>/reinstate/", vocabulary_views.term_reinstate, name="vocabulary_reinstate"),
]
