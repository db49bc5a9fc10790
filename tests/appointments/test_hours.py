"""Coordinators add consultation hours; desk staff see the slots with the places still free."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from ido.appointments import selectors, services
from ido.appointments.models import Appointment, ConsultationHour
from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from ido.registrations.models import Topic
from tests.conftest import login_verified
from tests.factories import LocationFactory, OrganisationFactory, membership_for_role

pytestmark = pytest.mark.django_db


def hour_input(**fields) -> services.ConsultationHourInput:
    values = {
        "provider": OrganisationFactory(),
        "title": "Schuldhulpspreekuur",
        "frequency": "weekly",
        "weekdays": (1,),
        "starts_on": timezone.localdate(),
        "start_time": time(13),
        "end_time": time(15),
    }
    return services.ConsultationHourInput(**{**values, **fields})


def test_a_coordinator_adds_a_weekly_hour_and_it_is_audited():
    coordinator = membership_for_role(Role.COORDINATOR)
    location = LocationFactory(library=coordinator.organisation)
    hour = services.create_consultation_hour(actor=coordinator, location=location, data=hour_input())
    assert (hour.weekdays, hour.capacity, hour.slot_minutes) == ("1", 1, 20)
    event = AuditEvent.objects.get(action="appointments.consultation_hour.created")
    assert event.detail["rrule"].startswith("FREQ=WEEKLY")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"end_time": time(12)}, "end_time"),
        ({"weekdays": ()}, "weekdays"),
        ({"slot_minutes": 300}, "slot_minutes"),
        ({"frequency": "monthly_nth_weekday", "nth": None}, "nth"),
        ({"ends_on": date(2020, 1, 1)}, "ends_on"),
    ],
)
def test_an_impossible_rule_is_refused_by_field_and_nothing_is_saved(fields, field):
    coordinator = membership_for_role(Role.COORDINATOR)
    location = LocationFactory(library=coordinator.organisation)
    with pytest.raises(ValidationError) as refused:
        services.create_consultation_hour(actor=coordinator, location=location, data=hour_input(**fields))
    assert field in refused.value.error_dict
    assert not ConsultationHour.objects.exists()


def test_only_at_the_coordinators_own_locations():
    coordinator = membership_for_role(Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        services.create_consultation_hour(actor=coordinator, location=LocationFactory(), data=hour_input())
    desk = membership_for_role(Role.DESK, organisation=coordinator.organisation)
    with pytest.raises(PermissionDenied):
        services.create_consultation_hour(
            actor=desk, location=LocationFactory(library=coordinator.organisation), data=hour_input()
        )


def test_the_slots_show_the_places_left_after_a_booking():
    coordinator = membership_for_role(Role.COORDINATOR)
    location = LocationFactory(library=coordinator.organisation)
    start = timezone.localdate() + timedelta(days=1)
    while start.weekday() != 1 or (start.month in (12, 1) and start.day in (25, 26, 1)):
        start += timedelta(days=1)
    hour = services.create_consultation_hour(
        actor=coordinator, location=location, data=hour_input(starts_on=start, capacity=2, skip_public_holidays=False)
    )
    slots = selectors.slots_with_places(hour, start, start)
    assert [slot.free for slot in slots] == [2] * 6
    services.book(
        actor=coordinator,
        consultation_hour=hour,
        starts_at=slots[0].starts_at,
        details=services.VisitorDetails(name="Jan"),
        now=slots[0].starts_at - timedelta(days=1),
    )
    assert [slot.free for slot in selectors.slots_with_places(hour, start, start)] == [1, 2, 2, 2, 2, 2]


def test_the_add_page_creates_an_hour_and_shows_its_slots(client, as_role):
    coordinator = as_role(Role.COORDINATOR)
    location = LocationFactory(library=coordinator.organisation)
    provider = OrganisationFactory(name="Belastingdienst", kind="partner")
    response = client.post(
        reverse("appointments:hour_new"),
        {
            "title": "Belastingspreekuur",
            "provider": provider.pk,
            "location": location.pk,
            "frequency": "weekly",
            "weekdays": ["1", "3"],
            "starts_on": timezone.localdate().isoformat(),
            "start_time": "13:00",
            "end_time": "14:00",
            "slot_minutes": "30",
            "capacity": "1",
            "booking_mode": "appointment",
            "book_ahead_days": "28",
            "book_until_minutes": "60",
            "skip_public_holidays": "on",
            "topics": [str(Topic.objects.get(code="taxes").pk)],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    hour = ConsultationHour.objects.get()
    assert hour.weekdays == "1,3"
    assert [topic.code for topic in hour.topics.all()] == ["taxes"]
    # The edit page starts from what is saved, topics included.
    edit = client.get(reverse("appointments:hour_edit", kwargs={"pk": hour.pk}))
    assert [topic.code for topic in edit.context["form"].initial["topics"]] == ["taxes"]
    page = client.get(reverse("appointments:hour", kwargs={"pk": hour.pk}))
    assert page.status_code == 200
    assert len(page.context["slots"]) >= 6  # two slots on each of at least three days in two weeks
    invalid = client.post(
        reverse("appointments:hour_new"),
        {
            "title": "X",
            "provider": provider.pk,
            "location": location.pk,
            "frequency": "weekly",
            "weekdays": ["1"],
            "starts_on": "2026-12-01",
            "start_time": "14:00",
            "end_time": "13:00",
            "slot_minutes": "20",
            "capacity": "1",
            "booking_mode": "appointment",
            "book_ahead_days": "28",
            "book_until_minutes": "60",
        },
    )
    assert invalid.status_code == 200
    assert invalid.context["form"].errors["end_time"]
    assert ConsultationHour.objects.count() == 1


def next_weekday(weekday: int) -> date:
    day = timezone.localdate() + timedelta(days=2)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def test_the_desk_books_a_slot_with_consent_and_reading_it_is_audited(client, as_role):
    desk = as_role(Role.DESK)
    coordinator = membership_for_role(Role.COORDINATOR, organisation=desk.organisation)
    location = LocationFactory(library=desk.organisation)
    day = next_weekday(2)
    hour = services.create_consultation_hour(
        actor=coordinator,
        location=location,
        data=hour_input(weekdays=(2,), starts_on=day, skip_public_holidays=False, what_to_bring="Uw DigiD"),
    )
    detail = client.get(reverse("appointments:hour", kwargs={"pk": hour.pk}))
    book_url = reverse("appointments:book", kwargs={"pk": hour.pk})
    assert book_url in detail.content.decode()
    first_slot = selectors.slots_with_places(hour, day, day)[0].starts_at.isoformat()

    # Contact details without consent: refused, nothing booked.
    refused = client.post(book_url, {"slot": first_slot, "name": "A.", "phone": "0612345678"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["consent"]
    assert not Appointment.objects.exists()

    response = client.post(book_url, {"slot": first_slot, "name": "A.", "phone": "0612345678", "consent": "on"})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.phone == "+31612345678"
    assert "30 dagen" in appointment.consent_text
    card = client.get(response.url)
    assert "Uw DigiD" in card.content.decode()
    assert AuditEvent.objects.filter(action="appointments.appointment.read", target_id=str(appointment.pk)).count() == 1

    # The slot is full now: it is no longer offered, and posting it anyway is refused.
    page = client.get(book_url)
    assert first_slot not in [value for value, _label in page.context["form"].fields["slot"].choices]
    again = client.post(book_url, {"slot": first_slot, "name": "B."})
    assert again.status_code == 200
    assert Appointment.objects.count() == 1


def test_the_provider_marks_who_came_and_the_hour_shows_the_no_show_rate(client, as_role):
    partner = as_role(Role.PARTNER_STAFF)
    coordinator = membership_for_role(Role.COORDINATOR)
    location = LocationFactory(library=coordinator.organisation)
    day = next_weekday(2)
    hour = services.create_consultation_hour(
        actor=coordinator,
        location=location,
        data=hour_input(provider=partner.organisation, weekdays=(2,), starts_on=day, skip_public_holidays=False),
    )
    slots = selectors.slots_with_places(hour, day, day)
    booked = [
        services.book(
            actor=coordinator,
            consultation_hour=hour,
            starts_at=slot.starts_at,
            details=services.VisitorDetails(name=name),
            now=slot.starts_at - timedelta(days=1),
        )
        for slot, name in zip(slots, ["A.", "B.", "C."], strict=False)
    ]
    day_url = reverse("appointments:day")
    # Before the appointments start they cannot be marked.
    client.post(reverse("appointments:mark", kwargs={"pk": booked[0].pk}), {"attended": "yes"})
    booked[0].refresh_from_db()
    assert booked[0].status == "booked"

    with time_machine.travel(slots[-1].ends_at + timedelta(hours=1)):
        login_verified(client, partner.user)  # the session of days ago has expired
        page = client.get(day_url, {"date": day.isoformat()})
        assert [a.name for a in page.context["appointments"]] == ["A.", "B.", "C."]
        client.post(reverse("appointments:mark", kwargs={"pk": booked[0].pk}), {"attended": "yes"})
        client.post(reverse("appointments:mark", kwargs={"pk": booked[1].pk}), {"attended": "no"})
        figures = selectors.attendance_figures(hour)
    assert figures == {"attended": 1, "no_show": 1, "unmarked": 1, "cancelled": 0, "no_show_percent": 50}
    assert AuditEvent.objects.filter(action="appointments.appointment.marked").count() == 2
    # Reading the day list is reading personal data: audited per appointment.
    assert AuditEvent.objects.filter(action="appointments.appointment.read").count() == 3


def test_a_desk_books_an_hour_at_another_library_and_still_sees_its_own_booking(client, as_role):
    """A warm referral across the region: the desk of one library books the hour at another library's location,
    sees and prints what it booked, and is led back to the search rather than to an hour page it cannot open."""
    desk = as_role(Role.DESK)
    host = membership_for_role(Role.COORDINATOR)
    day = next_weekday(3)
    hour = services.create_consultation_hour(
        actor=host,
        location=LocationFactory(library=host.organisation),
        data=hour_input(weekdays=(3,), starts_on=day, skip_public_holidays=False),
    )
    book_url = reverse("appointments:book", kwargs={"pk": hour.pk})
    page = client.get(book_url)
    assert reverse("appointments:free_slots") in page.content.decode()
    slot = selectors.slots_with_places(hour, day, day)[0].starts_at.isoformat()
    response = client.post(book_url, {"slot": slot, "name": "K."})
    appointment = Appointment.objects.get()
    assert appointment.booking_organisation == desk.organisation
    card = client.get(response.url)
    assert card.status_code == 200
    assert reverse("appointments:hour", kwargs={"pk": hour.pk}) not in card.content.decode()
    assert client.get(reverse("appointments:hour", kwargs={"pk": hour.pk})).status_code == 404
