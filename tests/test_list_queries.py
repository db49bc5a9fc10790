"""Lists and overviews keep a fixed number of queries however long they get (no N+1)."""

import pytest
from django.urls import reverse

from ido.core import audit
from ido.organisations.roles import Role
from tests.factories import LibraryFactory, LocationFactory, MembershipFactory, OpeningHoursFactory

pytestmark = pytest.mark.django_db


def _queries_for(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("size", [3, 30])
def test_location_list(client, as_role, django_assert_max_num_queries, size):
    as_role(Role.NATIONAL_ADMIN)
    for _ in range(size):
        OpeningHoursFactory(location=LocationFactory())
    response = _queries_for(client, reverse("locations:list"), django_assert_max_num_queries, 12)
    assert len(response.context["rows"]) == size


@pytest.mark.parametrize("size", [3, 30])
def test_member_list(client, as_role, django_assert_max_num_queries, size):
    coordinator = as_role(Role.COORDINATOR)
    for _ in range(size):
        MembershipFactory(organisation=coordinator.organisation)
    _queries_for(client, reverse("organisations:members"), django_assert_max_num_queries, 12)


@pytest.mark.parametrize("size", [3, 30])
def test_organisation_list(client, as_role, django_assert_max_num_queries, size):
    as_role(Role.NATIONAL_ADMIN)
    for _ in range(size):
        LocationFactory(library=LibraryFactory())
    _queries_for(client, reverse("organisations:list"), django_assert_max_num_queries, 12)


@pytest.mark.parametrize("size", [3, 30])
def test_audit_list(client, as_role, django_assert_max_num_queries, size):
    coordinator = as_role(Role.COORDINATOR)
    for n in range(size):
        audit.record(
            actor=coordinator.user, organisation=coordinator.organisation, action="test.event", detail={"n": n}
        )
    response = _queries_for(client, reverse("core:audit"), django_assert_max_num_queries, 12)
    assert len(response.context["events"]) == size
