"""axe-core on every page each role can open: the permission matrix says which pages those are."""

import pytest
from django.urls import reverse
from tests.test_permission_matrix import ANON, MATRIX, ROLES, build_world

pytestmark = pytest.mark.django_db(transaction=True)

# Not pages: JSON and file downloads; and enrolment, which makes a new secret on every GET (a journey covers it).
SKIP = {
    "health",
    "accounts:setup",
    "registrations:overview_csv",
    "registrations:overview_xlsx",
    "registrations:import_template",
    "calendars:hour",
    "calendars:location",
    "appointments:card",
    "booking:calendar",
    "booking:card",
    "referrals:export",
    "referrals:export_pdf",
    "courses:card",
    "courses:certificate",
    "funding:annex_template",
    "funding:account_csv",
    "funding:account_xlsx",
    "funding:account_pdf",
    "funding:document_pdf",
    "funding:evidence",
    "public:open_data_json",
    "public:open_data_csv",
    "public:open_data_ics",
    "public:open_data_schema",
    "public:poster",
    "public:flyer",
}


def pages_for(role, world):
    for name, row in MATRIX.items():
        if name in SKIP or name.startswith("api:") or row.method != "get" or row.expect[role] != 200:
            continue
        yield name, reverse(name, kwargs=row.kwargs(world) if row.kwargs else None)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_has_no_axe_violations(checked_page, role):
    world = build_world()
    if role != ANON:
        checked_page.log_in_as(world.members[role].user)
    visited = []
    for name, path in pages_for(role, world):
        checked_page.goto(path)
        assert checked_page.page.locator("h1").count() == 1, f"{name}: one h1 per page"
        visited.append(name)
    assert visited, "the role can open at least one page"
