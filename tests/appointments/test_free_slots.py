"""Desk staff find free slots across the region's consultation hours, by topic, provider and distance."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ido.appointments import search, selectors
from ido.appointments.models import CancelledDate, ConsultationHour, Slot
from ido.appointments.search_forms import FreeSlotSearchForm
from ido.locations.models import Location
from ido.organisations.models import Organisation
from ido.organisations.roles import Role
from ido.registrations.models import Topic
from tests.conftest import login_verified
from tests.factories import LocationFactory, OrganisationFactory, membership_for_role

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC = ZoneInfo("UTC")
# A Tuesday morning; the search covers two weeks from it (no public holidays in them).
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=AMSTERDAM)
START, END = date(2026, 12, 1), date(2026, 12, 14)
TUESDAYS = (date(2026, 12, 1), date(2026, 12, 8))

UTRECHT = (Decimal("52.090700"), Decimal("5.121400"))
AMERSFOORT = (Decimal("52.156100"), Decimal("5.387800"))  # about 20 km from Utrecht
AMSTERDAM_CENTRE = (Decimal("52.370200"), Decimal("4.895200"))  # about 35 km


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM).astimezone(UTC)


def place(coordinates=None, **fields) -> Location:
    latitude, longitude = coordinates or (None, None)
    return LocationFactory(latitude=latitude, longitude=longitude, **fields)


def make_hour(location, *, topics=(), **fields) -> ConsultationHour:
    """Tuesdays 13:00–14:00, three slots of 20 minutes, one place each."""
    values = {
        "provider": fields.pop("provider", None) or OrganisationFactory(),
        "location": location,
        "title": "Belastingspreekuur",
        "frequency": "weekly",
        "weekdays": "1",
        "starts_on": date(2026, 11, 3),
        "start_time": time(13, 0),
        "end_time": time(14, 0),
        "slot_minutes": 20,
        "capacity": 1,
        "book_ahead_days": 28,
        "book_until_minutes": 60,
    }
    hour = ConsultationHour.objects.create(**{**values, **fields})
    hour.topics.set([Topic.objects.get(code=code) for code in topics])
    return hour


def find(actor, **criteria) -> list[search.FoundSlot]:
    return search.free_slots(actor, **{"start": START, "end": END, "now": NOW, "limit": None, **criteria})


def hours_of(found) -> set[int]:
    return {slot.hour.pk for slot in found}


@pytest.fixture
def desk(db):
    return membership_for_role(Role.DESK)


@pytest.fixture
def home(desk):
    return place(UTRECHT, library=desk.organisation, name="IDO Centrale Bibliotheek")


def test_every_free_slot_of_every_bookable_hour_in_the_region_earliest_first(desk, home):
    here = make_hour(home)
    elsewhere = make_hour(place(AMERSFOORT), start_time=time(13, 10), end_time=time(13, 50))
    found = find(desk)
    assert [(slot.starts_at, slot.hour.pk) for slot in found] == [
        (at(TUESDAYS[0], 13, 0), here.pk),
        (at(TUESDAYS[0], 13, 10), elsewhere.pk),
        (at(TUESDAYS[0], 13, 20), here.pk),
        (at(TUESDAYS[0], 13, 30), elsewhere.pk),
        (at(TUESDAYS[0], 13, 40), here.pk),
        (at(TUESDAYS[1], 13, 0), here.pk),
        (at(TUESDAYS[1], 13, 10), elsewhere.pk),
        (at(TUESDAYS[1], 13, 20), here.pk),
        (at(TUESDAYS[1], 13, 30), elsewhere.pk),
        (at(TUESDAYS[1], 13, 40), here.pk),
    ]
    first = found[0]
    assert (first.ends_at, first.location, first.free, first.capacity, first.distance_km) == (
        at(TUESDAYS[0], 13, 20),
        home,
        1,
        1,
        None,
    )


def test_the_search_agrees_with_the_slots_of_each_hour(desk, home):
    hours = [
        make_hour(home, capacity=3, book_until_minutes=0),
        make_hour(place(AMERSFOORT), frequency="every_other_week", weekdays="1,3", book_ahead_days=10),
        make_hour(place(), frequency="monthly_nth_weekday", weekdays="1", nth=2, slot_minutes=30),
    ]
    Slot.objects.create(
        consultation_hour=hours[0], starts_at=at(TUESDAYS[1], 13), ends_at=at(TUESDAYS[1], 13, 20), capacity=3, booked=2
    )
    expected = sorted(
        (slot.starts_at, hour.pk, slot.free)
        for hour in hours
        for slot in selectors.slots_with_places(hour, START, END, now=NOW)
        if slot.bookable and slot.free > 0
    )
    assert sorted((slot.starts_at, slot.hour.pk, slot.free) for slot in find(desk)) == expected


def test_a_topic_finds_hours_about_it_its_subtopics_and_its_main_topic(desk, home):
    taxes = Topic.objects.get(code="taxes")
    income_tax = Topic.objects.create(
        code="income-tax", label_nl="Inkomstenbelasting", label_en="Income tax", parent=taxes
    )
    general = make_hour(home, topics=["taxes", "allowances"])
    specific = make_hour(home, topics=["income-tax"])
    make_hour(home, topics=["digid"])
    make_hour(home)  # no topic at all
    assert hours_of(find(desk, topic=taxes)) == {general.pk, specific.pk}
    assert hours_of(find(desk, topic=income_tax)) == {general.pk, specific.pk}
    assert hours_of(find(desk, topic=Topic.objects.get(code="allowances"))) == {general.pk}
    assert len(find(desk, topic=taxes)) == 2 * 2 * 3  # each slot once, however many topics match


def test_a_provider_finds_only_its_own_hours(desk, home):
    tax_office = OrganisationFactory(name="Belastingdienst")
    ours = make_hour(home, provider=tax_office)
    make_hour(home, provider=OrganisationFactory(name="UWV"))
    assert hours_of(find(desk, provider=tax_office)) == {ours.pk}


def test_a_maximum_distance_keeps_the_hours_near_enough_and_leaves_out_unknown_places(desk, home):
    here = make_hour(home)
    amersfoort = make_hour(place(AMERSFOORT))
    amsterdam = make_hour(place(AMSTERDAM_CENTRE))
    unknown = make_hour(place())
    assert hours_of(find(desk, near=home, within_km=25)) == {here.pk, amersfoort.pk}
    assert hours_of(find(desk, near=home, within_km=50)) == {here.pk, amersfoort.pk, amsterdam.pk}
    everywhere = {slot.hour.pk: slot.distance_km for slot in find(desk, near=home)}
    assert everywhere[here.pk] == 0
    assert 19 < everywhere[amersfoort.pk] < 21
    assert 33 < everywhere[amsterdam.pk] < 37
    assert everywhere[unknown.pk] is None
    # At the same time, the nearest first; an unknown distance last.
    first_four = [slot.hour.pk for slot in find(desk, near=home)[:4]]
    assert first_four == [here.pk, amersfoort.pk, amsterdam.pk, unknown.pk]


def test_a_maximum_distance_needs_a_place_to_measure_from(desk, home):
    with pytest.raises(ValueError):
        find(desk, near=place(), within_km=10)
    with pytest.raises(ValueError):
        find(desk, within_km=10)


def test_full_slots_are_left_out_and_a_group_slot_shows_its_free_places(desk, home):
    personal = make_hour(home)
    group = make_hour(home, title="Groepsspreekuur", capacity=3)
    Slot.objects.create(
        consultation_hour=personal, starts_at=at(TUESDAYS[0], 13), ends_at=at(TUESDAYS[0], 13, 20), capacity=1, booked=1
    )
    Slot.objects.create(
        consultation_hour=group, starts_at=at(TUESDAYS[0], 13), ends_at=at(TUESDAYS[0], 13, 20), capacity=3, booked=2
    )
    first_tuesday_at_one = [slot for slot in find(desk) if slot.starts_at == at(TUESDAYS[0], 13)]
    assert [(slot.hour.pk, slot.free, slot.capacity) for slot in first_tuesday_at_one] == [(group.pk, 1, 3)]


def test_past_slots_and_slots_too_soon_to_book_are_left_out(desk, home):
    make_hour(home, end_time=time(16, 0), book_until_minutes=60)
    now = datetime.combine(TUESDAYS[0], time(13, 30), tzinfo=AMSTERDAM)
    first = find(desk, now=now)[0]
    # 13:00 and 13:20 have started; 13:40 to 14:20 start within the hour: 14:40 is the first.
    assert first.starts_at == at(TUESDAYS[0], 14, 40)
    assert not find(desk, start=date(2026, 11, 1), end=date(2026, 11, 30))


def test_slots_beyond_the_booking_window_are_left_out(desk, home):
    make_hour(home, book_ahead_days=6)
    assert {slot.starts_at.date() for slot in find(desk)} == {TUESDAYS[0]}
    assert find(desk, start=date(2026, 12, 8)) == []


def test_cancelled_series_walk_in_hours_cancelled_dates_and_public_holidays_are_left_out(desk, home):
    make_hour(home, status="cancelled")
    make_hour(home, booking_mode="walk_in")
    make_hour(place(UTRECHT, status="closed"))
    with_a_cancelled_date = make_hour(home)
    CancelledDate.objects.create(consultation_hour=with_a_cancelled_date, date=TUESDAYS[0])
    christmas = make_hour(home, weekdays="4", starts_on=date(2026, 12, 1))  # Fridays; 25 December
    found = find(desk, end=date(2026, 12, 31))
    assert hours_of(found) == {with_a_cancelled_date.pk, christmas.pk}
    days = {slot.starts_at.astimezone(AMSTERDAM).date() for slot in found if slot.hour == with_a_cancelled_date}
    assert TUESDAYS[0] not in days and TUESDAYS[1] in days
    fridays = {slot.starts_at.astimezone(AMSTERDAM).date() for slot in found if slot.hour == christmas}
    assert date(2026, 12, 25) not in fridays and date(2026, 12, 18) in fridays


def test_only_roles_that_book_find_anything(home):
    make_hour(home)
    for role in (Role.PARTNER_STAFF, Role.MUNICIPAL_OFFICER):
        assert find(membership_for_role(role)) == []


@pytest.mark.parametrize("limit", [1, 4, 17, 40, 1000])
def test_a_limited_search_gives_the_first_slots_of_the_full_search(desk, home, limit):
    _add_hours(9, near=home)
    make_hour(home, frequency="monthly_nth_weekday", weekdays="2", nth=1)
    everything = find(desk, near=home)
    assert find(desk, near=home, limit=limit) == everything[:limit]


def _add_hours(count: int, *, near: Location) -> None:
    providers = [OrganisationFactory() for _ in range(3)]
    for number in range(count):
        location = place(AMERSFOORT if number % 2 else UTRECHT) if number % 3 else near
        hour = make_hour(
            location,
            topics=["taxes", "digid"],
            provider=providers[number % 3],
            capacity=1 + number % 3,
            start_time=time(11 + number % 6),
            end_time=time(12 + number % 6),
        )
        CancelledDate.objects.create(consultation_hour=hour, date=TUESDAYS[1])
        starts_at = at(TUESDAYS[0], 11 + number % 6)
        Slot.objects.create(
            consultation_hour=hour,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=20),
            capacity=hour.capacity,
            booked=1,
        )


@pytest.mark.parametrize("hours", [2, 12])
def test_the_number_of_queries_does_not_grow_with_the_number_of_hours(desk, home, hours, django_assert_max_num_queries):
    _add_hours(hours, near=home)
    taxes = Topic.objects.get(code="taxes")
    # The hours (with location and provider), their cancelled dates, the booked places.
    with django_assert_max_num_queries(3):
        found = find(desk, topic=taxes, near=home, within_km=25)
    assert len(hours_of(found)) == hours
    with django_assert_max_num_queries(3):
        assert [slot.hour.location.name for slot in find(desk)]


# --- The page -----------------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_desk_sees_free_slots_near_its_location_with_a_link_to_book_each(client, desk, home):
    hour = make_hour(place(AMERSFOORT, name="IDO Amersfoort"))
    make_hour(place(AMSTERDAM_CENTRE, name="IDO Amsterdam"), title="Ver weg")
    login_verified(client, desk.user)
    response = client.get(reverse("appointments:free_slots"), {"within_km": "25"})
    assert response.status_code == 200
    assert response.context["form"]["near"].value() == str(home.pk)  # the desk's own location by default
    found = response.context["found"]
    assert hours_of(found) == {hour.pk}
    book = f"{reverse('appointments:book', kwargs={'pk': hour.pk})}?slot="
    page = response.content.decode()
    assert page.count(book) == len(found) == 6
    assert "Ver weg" not in page
    assert 'role="region"' in page and 'tabindex="0"' in page
    assert client.get(book + found[0].starts_at.isoformat()).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_the_page_makes_as_many_queries_for_many_hours_as_for_few(client, desk, home):
    login_verified(client, desk.user)
    url = reverse("appointments:free_slots")
    _add_hours(2, near=home)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _add_hours(15, near=home)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(hours_of(response.context["found"])) == 17
    assert len(many) == len(few)


@time_machine.travel(NOW, tick=False)
def test_the_search_page_filters_by_topic_and_provider(client, desk, home):
    tax_office = OrganisationFactory(name="Belastingdienst")
    wanted = make_hour(home, topics=["taxes"], provider=tax_office)
    make_hour(home, topics=["taxes"])
    make_hour(home, topics=["digid"], provider=tax_office)
    login_verified(client, desk.user)
    taxes = Topic.objects.get(code="taxes")
    response = client.get(
        reverse("appointments:free_slots"), {"topic": taxes.pk, "provider": tax_office.pk, "weeks": "1"}
    )
    assert response.status_code == 200
    assert hours_of(response.context["found"]) == {wanted.pk}
    assert {slot.starts_at.astimezone(AMSTERDAM).date() for slot in response.context["found"]} == {TUESDAYS[0]}


@time_machine.travel(NOW, tick=False)
def test_a_distance_from_a_location_without_a_position_is_explained(client, desk):
    place(library=desk.organisation)  # the desk's only location has no coordinates
    login_verified(client, desk.user)
    response = client.get(reverse("appointments:free_slots"), {"within_km": "10"})
    assert response.status_code == 200
    assert response.context["found"] is None
    assert "within_km" in response.context["form"].errors


def test_the_form_offers_the_providers_and_locations_it_is_given(desk, home):
    provider = OrganisationFactory(name="UWV")
    form = FreeSlotSearchForm(
        data={"start": "2026-12-01", "weeks": "14"},
        providers=Organisation.objects.filter(pk=provider.pk),
        locations=Location.objects.filter(pk=home.pk),
    )
    assert not form.is_valid()
    assert "weeks" in form.errors
    assert list(form.fields["provider"].queryset) == [provider]


@pytest.mark.parametrize("role", [Role.PARTNER_STAFF, Role.MUNICIPAL_OFFICER])
def test_roles_that_do_not_book_are_refused(client, role):
    login_verified(client, membership_for_role(role).user)
    assert client.get(reverse("appointments:free_slots")).status_code == 403


def test_the_hour_list_links_to_the_search_for_those_who_book(client, desk):
    login_verified(client, desk.user)
    assert reverse("appointments:free_slots") in client.get(reverse("appointments:hours")).content.decode()
