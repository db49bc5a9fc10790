"""The national administrator imports a CBS municipality list in the browser: all or nothing, row by row."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ido.core.models import AuditEvent
from ido.organisations.models import Municipality
from ido.organisations.roles import Role

pytestmark = pytest.mark.django_db

GOOD = "cbs_code,name,province_cbs_code\nGM0344,Utrecht,PV26\nGM0307,Amersfoort,PV26\n"
BAD = "cbs_code,name,province_cbs_code\nGM0344,Utrecht,PV26\nG0307,Amersfoort,PV26\nGM0327,,PV99\n"


def upload(client, text, **options):
    data = {"file": SimpleUploadedFile("gemeenten.csv", text.encode(), content_type="text/csv"), **options}
    return client.post(reverse("organisations:municipality_import"), data)


def test_check_only_saves_nothing_and_shows_what_would_change(client, as_role):
    as_role(Role.NATIONAL_ADMIN)
    response = upload(client, GOOD, check_only="on")
    assert response.status_code == 200
    assert response.context["checked_only"]
    assert len(response.context["result"].created) == 2
    assert not Municipality.objects.exists()


def test_import_creates_and_is_audited_on_the_administrators_organisation(client, as_role):
    national = as_role(Role.NATIONAL_ADMIN)
    response = upload(client, GOOD)
    assert "checked_only" not in response.context
    assert set(Municipality.objects.values_list("cbs_code", flat=True)) == {"GM0344", "GM0307"}
    event = AuditEvent.objects.get(action="organisations.municipalities.imported")
    assert event.actor == national.user
    assert event.organisation == national.organisation


def test_bad_rows_are_reported_row_by_row_and_nothing_is_imported(client, as_role):
    as_role(Role.NATIONAL_ADMIN)
    response = upload(client, BAD)
    rows = sorted({error.row_number for error in response.context["errors"]})
    assert rows == [3, 4]
    assert not Municipality.objects.exists()
    assert "Rij 3" in response.content.decode()


def test_a_file_that_is_not_utf8_gets_a_clear_message(client, as_role):
    as_role(Role.NATIONAL_ADMIN)
    response = client.post(
        reverse("organisations:municipality_import"),
        {"file": SimpleUploadedFile("gemeenten.csv", "GM0344,Ütrecht".encode("latin-1"))},
    )
    assert "UTF-8" in response.context["form"].errors["file"][0]
    assert not Municipality.objects.exists()


def test_coordinators_cannot_import(client, as_role):
    as_role(Role.COORDINATOR)
    assert upload(client, GOOD).status_code == 403
    assert not Municipality.objects.filter(cbs_code__in=["GM0344", "GM0307"]).exists()


def test_check_only_leaves_no_audit_event(client, as_role):
    as_role(Role.NATIONAL_ADMIN)
    upload(client, GOOD, check_only="on")
    assert not AuditEvent.objects.filter(action="organisations.municipalities.imported").exists()


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ('cbs_code,name,province_cbs_code\nGM0344,"Utrecht,PV26\n', 2),  # unclosed quote
        ("cbs_code,name,province_cbs_code\nGM0344,Utr\x00echt,PV26\n", 2),
        ('cbs_code,name,province_cbs_code\nGM0344,"Utr\necht",PV26\nGM0307,,PV26\n', 4),
    ],
)
def test_unreadable_or_odd_rows_are_reported_not_crashed_on(client, as_role, text, row):
    as_role(Role.NATIONAL_ADMIN)
    response = upload(client, text)
    assert response.status_code == 200
    assert row in {error.row_number for error in response.context["errors"]}
    assert not Municipality.objects.filter(cbs_code__in=["GM0344", "GM0307"]).exists()
