"""Rules for IDO locations and their opening hours, through the services."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ido.core.models import AuditEvent
from ido.locations import services
from ido.locations.models import Location, OpeningHours
from ido.locations.opening_hours import is_open
from ido.locations.selectors import locations_visible_to, schedule_for
from ido.organisations.roles import Role
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityFactory,
    MunicipalityOrganisationFactory,
    membership_for_role,
)

pytestmark = pytest.mark.django_db

ADDRESS = {
    "name": "IDO Centrum",
    "street": "Neude",
    "house_number": "11",
    "postcode": "3512ae",
    "city": "Utrecht",
}


@pytest.fixture
def coordinator():
    return membership_for_role(Role.COORDINATOR)


def test_coordinator_adds_a_location_and_the_postcode_is_normalised(coordinator):
    library = coordinator.organisation
    location = services.create_location(
        actor=coordinator, library=library, municipality=library.served_municipalities.get(), **ADDRESS
    )
    assert location.postcode == "3512 AE"
    assert AuditEvent.objects.filter(action="locations.location.created", target_id=str(location.pk)).exists()


@pytest.mark.parametrize("postcode", ["1234", "0123 AB", "1234 SA", "ABCD 12", ""])
def test_bad_postcode_is_refused_and_nothing_is_saved(coordinator, postcode):
    library = coordinator.organisation
    with pytest.raises(ValidationError) as error:
        services.create_location(
            actor=coordinator,
            library=library,
            municipality=library.served_municipalities.get(),
            **{**ADDRESS, "postcode": postcode},
        )
    assert "postcode" in error.value.error_dict
    assert not Location.objects.exists()


def test_location_must_be_in_a_municipality_the_library_serves(coordinator):
    with pytest.raises(ValidationError) as error:
        services.create_location(
            actor=coordinator, library=coordinator.organisation, municipality=MunicipalityFactory(), **ADDRESS
        )
    assert "municipality" in error.value.error_dict


def test_coordinator_cannot_add_a_location_to_another_library(coordinator):
    other = LibraryFactory()
    with pytest.raises(PermissionDenied):
        services.create_location(
            actor=coordinator, library=other, municipality=other.served_municipalities.get(), **ADDRESS
        )


def test_desk_staff_cannot_add_locations():
    desk = membership_for_role(Role.DESK)
    with pytest.raises(PermissionDenied):
        services.create_location(
            actor=desk,
            library=desk.organisation,
            municipality=desk.organisation.served_municipalities.get(),
            **ADDRESS,
        )


def test_location_outside_a_library_needs_its_building(coordinator):
    library = coordinator.organisation
    with pytest.raises(ValidationError) as error:
        services.create_location(
            actor=coordinator,
            library=library,
            municipality=library.served_municipalities.get(),
            in_library=False,
            **ADDRESS,
        )
    assert "venue" in error.value.error_dict


def test_coordinates_outside_the_netherlands_are_refused(coordinator):
    library = coordinator.organisation
    with pytest.raises(ValidationError):
        services.create_location(
            actor=coordinator,
            library=library,
            municipality=library.served_municipalities.get(),
            latitude=Decimal("48.85"),
            longitude=Decimal("2.35"),
            **ADDRESS,
        )


def test_weekly_hours_replace_the_old_ones_and_make_the_location_open(coordinator):
    location = LocationFactory(library=coordinator.organisation)
    services.set_opening_hours(
        actor=coordinator,
        location=location,
        blocks=[
            services.HoursBlock(1, time(10), time(12, 30)),
            services.HoursBlock(1, time(13, 30), time(17)),
        ],
    )
    services.set_opening_hours(actor=coordinator, location=location, blocks=[services.HoursBlock(2, time(9), time(12))])
    assert list(location.opening_hours.values_list("weekday", flat=True)) == [2]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    wednesday_ten = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert is_open(schedule_for(location), wednesday_ten)


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([services.HoursBlock(0, time(17), time(9))], "not after"),
        ([services.HoursBlock(0, time(9), time(9))], "not after"),
        ([services.HoursBlock(0, time(9), time(13)), services.HoursBlock(0, time(12), time(17))], "overlap"),
    ],
)
def test_bad_opening_hours_are_refused_and_the_old_hours_stay(coordinator, blocks, message, settings):
    settings.LANGUAGE_CODE = "en"
    location = LocationFactory(library=coordinator.organisation)
    services.set_opening_hours(actor=coordinator, location=location, blocks=[services.HoursBlock(4, time(9), time(12))])
    with pytest.raises(ValidationError) as error:
        services.set_opening_hours(actor=coordinator, location=location, blocks=blocks)
    assert message in " ".join(error.value.messages)
    assert list(location.opening_hours.values_list("weekday", flat=True)) == [4]


def test_touching_blocks_are_fine(coordinator):
    location = LocationFactory(library=coordinator.organisation)
    services.set_opening_hours(
        actor=coordinator,
        location=location,
        blocks=[services.HoursBlock(0, time(9), time(12)), services.HoursBlock(0, time(12), time(17))],
    )
    assert location.opening_hours.count() == 2


def test_the_database_refuses_hours_that_close_before_they_open():
    location = LocationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        OpeningHours.objects.create(location=location, weekday=0, opens=time(17), closes=time(9))


def test_exception_closed_day_then_different_hours_refused_on_same_date(coordinator):
    location = LocationFactory(library=coordinator.organisation)
    day = date(2026, 12, 24)
    services.add_opening_exception(actor=coordinator, location=location, day=day, is_closed=True, reason="Kerst")
    with pytest.raises(ValidationError):
        services.add_opening_exception(
            actor=coordinator, location=location, day=day, is_closed=False, opens=time(10), closes=time(12)
        )
    other_day = date(2026, 12, 31)
    services.add_opening_exception(
        actor=coordinator, location=location, day=other_day, is_closed=False, opens=time(10), closes=time(12)
    )
    with pytest.raises(ValidationError):
        services.add_opening_exception(
            actor=coordinator,
            location=location,
            day=other_day,
            is_closed=False,
            opens=time(11),
            closes=time(13),
        )
    with pytest.raises(ValidationError):
        services.add_opening_exception(
            actor=coordinator,
            location=location,
            day=other_day,
            is_closed=False,
            opens=time(14),
            closes=time(13),
        )
    assert location.opening_exceptions.count() == 2


def test_scope_library_sees_own_municipality_sees_its_territory_partner_sees_none():
    own = LocationFactory()
    other = LocationFactory()
    coordinator = membership_for_role(Role.COORDINATOR, organisation=own.library)
    municipality = membership_for_role(
        Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=other.municipality)
    )
    partner = membership_for_role(Role.PARTNER_STAFF)
    national = membership_for_role(Role.NATIONAL_ADMIN)
    assert list(locations_visible_to(coordinator)) == [own]
    assert list(locations_visible_to(municipality)) == [other]
    assert list(locations_visible_to(partner)) == []
    assert set(locations_visible_to(national)) == {own, other}


def test_update_location_records_what_changed(coordinator):
    location = LocationFactory(library=coordinator.organisation)
    services.update_location(
        actor=coordinator,
        location=location,
        municipality=location.municipality,
        name=location.name,
        street="Nieuwe straat",
        house_number="2",
        postcode="3511ed",
        city=location.city,
    )
    location.refresh_from_db()
    assert location.street == "Nieuwe straat"
    event = AuditEvent.objects.get(action="locations.location.updated")
    assert event.detail["changed"]["street"] == ["Stationsplein", "Nieuwe straat"]
    assert "city" not in event.detail["changed"]


def test_update_location_of_another_library_is_refused(coordinator):
    other = LocationFactory()
    with pytest.raises(PermissionDenied):
        services.update_location(
            actor=coordinator, location=other, municipality=other.municipality, **{**ADDRESS, "name": "X"}
        )


def test_location_view_refuses_a_forged_library(client, as_role):
    from django.urls import reverse

    as_role(Role.COORDINATOR)
    other = LibraryFactory()
    response = client.post(
        reverse("locations:create"),
        {
            "library": other.pk,
            "municipality": other.served_municipalities.get().pk,
            "status": "open",
            "staffing": "mixed",
            "in_library": "on",
            **ADDRESS,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Location.objects.exists()


def test_hours_form_puts_the_overlap_message_on_the_row_and_saves_nothing(client, as_role):
    from django.urls import reverse

    coordinator = as_role(Role.COORDINATOR)
    location = LocationFactory(library=coordinator.organisation)
    data = {
        "hours-TOTAL_FORMS": "3",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "1",
        "hours-0-opens": "10:00",
        "hours-0-closes": "12:30",
        "hours-1-weekday": "1",
        "hours-1-opens": "12:00",
        "hours-1-closes": "17:00",
        "hours-2-weekday": "",
        "hours-2-opens": "",
        "hours-2-closes": "",
    }
    response = client.post(reverse("locations:hours", kwargs={"pk": location.pk}), data)
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert forms[1].errors["opens"] == ["Dinsdag: 10:00–12:30 en 12:00–17:00 overlappen elkaar."]
    assert not forms[0].errors
    assert not location.opening_hours.exists()
    data["hours-1-opens"] = "13:30"
    response = client.post(reverse("locations:hours", kwargs={"pk": location.pk}), data)
    assert response.status_code == 302
    assert location.opening_hours.count() == 2


def test_exception_form_does_not_drop_times_when_closed_is_ticked(client, as_role):
    from django.urls import reverse

    coordinator = as_role(Role.COORDINATOR)
    location = LocationFactory(library=coordinator.organisation)
    response = client.post(
        reverse("locations:exceptions", kwargs={"pk": location.pk}),
        {"date": "2026-12-24", "is_closed": "on", "opens": "10:00", "closes": "12:00"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["is_closed"]
    assert not location.opening_exceptions.exists()
