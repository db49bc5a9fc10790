from django.urls import path

from ido.api import token_views

app_name = "api_tokens"

urlpatterns = [
    path("", token_views.token_list, name="list"),
    path("new/", token_views.token_create, name="create"),
    path("<int:pk>/revoke/", token_views.token_revoke, name="revoke"),
]
