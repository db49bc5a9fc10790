import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_health_reports_database_ok(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
