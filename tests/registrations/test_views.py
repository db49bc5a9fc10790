"""Registering a visit through the page: a few fields, then straight back to an empty form with undo."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ido.organisations.roles import Role
from ido.registrations.models import HelpGiven, ServiceOrganisation, Topic, Visit
from tests.factories import LocationFactory, VisitFactory

pytestmark = pytest.mark.django_db


def form_data(location, *questions, **fields):
    data = {
        "q-TOTAL_FORMS": "3",
        "q-INITIAL_FORMS": "0",
        "location": str(location.pk),
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "channel": "walk_in",
        "duration_band": "10_20",
        "age_band": "",
        "dutch_as_second_language": "",
        "first_visit": "",
        "note": "",
    }
    explained = HelpGiven.objects.get(code="explained").pk
    for index in range(3):
        topic, organisation = questions[index] if index < len(questions) else ("", "")
        data[f"q-{index}-topic"] = str(Topic.objects.get(code=topic).pk) if topic else ""
        data[f"q-{index}-service_organisation"] = (
            str(ServiceOrganisation.objects.get(code=organisation).pk) if organisation else ""
        )
        data[f"q-{index}-help_given"] = str(explained)
        data[f"q-{index}-solved"] = ""
    data.update(fields)
    return data


def test_desk_registers_a_visit_and_gets_an_empty_form_with_undo(client, as_role):
    desk = as_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    response = client.post(
        reverse("registrations:new"), form_data(location, ("digid", "logius"), ("allowances", "toeslagen"))
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert [q.topic.code for q in visit.questions.order_by("position")] == ["digid", "allowances"]
    assert response.cookies["ido_registration_location"].value == str(location.pk)

    page = client.get(reverse("registrations:new"))
    assert page.context["last_visit"] == visit
    client.post(reverse("registrations:undo", kwargs={"pk": visit.pk}))
    assert not Visit.objects.exists()


def test_a_visit_without_a_topic_is_refused_and_nothing_is_saved(client, as_role):
    desk = as_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    response = client.post(reverse("registrations:new"), form_data(location))
    assert response.status_code == 200
    assert response.context["questions"].non_form_errors()
    assert not Visit.objects.exists()


def test_personal_data_in_the_note_is_shown_next_to_the_note(client, as_role):
    desk = as_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    response = client.post(
        reverse("registrations:new"), form_data(location, ("digid", ""), note="BSN van klant 111222333")
    )
    assert response.status_code == 200
    assert "BSN" in response.context["form"].errors["note"][0]
    assert not Visit.objects.exists()


def test_another_librarys_location_cannot_be_chosen(client, as_role):
    as_role(Role.DESK)
    other = LocationFactory()
    response = client.post(reverse("registrations:new"), form_data(other, ("digid", "")))
    assert response.status_code == 200
    assert response.context["form"].errors["location"]
    assert not Visit.objects.exists()


def test_the_location_is_remembered_on_this_device(client, as_role):
    desk = as_role(Role.DESK)
    LocationFactory(library=desk.organisation, name="A")
    second = LocationFactory(library=desk.organisation, name="B")
    assert client.get(reverse("registrations:new")).context["location"].name == "A"
    client.post(reverse("registrations:new"), form_data(second, ("digid", "")))
    page = client.get(reverse("registrations:new"))
    assert page.context["location"] == second
    assert page.context["form"]["location"].value() in (second, second.pk)


def test_most_used_topics_of_the_location_come_first(client, as_role):
    desk = as_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    for _ in range(3):
        VisitFactory(location=location, questions=[("fines", "explained")])
    page = client.get(reverse("registrations:new"))
    choices = list(page.context["questions"].forms[0].fields["topic"].choices)
    assert choices[1][1] == Topic.objects.get(code="fines").label


def test_desk_sees_own_recent_registrations_coordinator_the_librarys(client, as_role):
    desk = as_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    own = VisitFactory(location=location, registered_by=desk.user)
    colleagues = VisitFactory(location=location)
    assert list(client.get(reverse("registrations:list")).context["visits"]) == [own]
    as_role(Role.COORDINATOR, organisation=desk.organisation)
    assert set(client.get(reverse("registrations:list")).context["visits"]) == {own, colleagues}


def test_same_as_last_visit_is_one_click(client, as_role):
    desk = as_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    client.post(
        reverse("registrations:new"),
        form_data(location, ("digid", "logius"), ("allowances", "toeslagen"), note="tweede keer"),
    )
    first = Visit.objects.get()
    response = client.post(reverse("registrations:repeat"))
    assert response.status_code == 302
    repeat = Visit.objects.exclude(pk=first.pk).get()
    assert [q.topic.code for q in repeat.questions.order_by("position")] == ["digid", "allowances"]
    assert repeat.note == ""
    assert repeat.occurred_at >= first.occurred_at
    assert client.get(reverse("registrations:new")).context["last_visit"] == repeat


def test_same_as_last_visit_without_an_earlier_visit_says_so(client, as_role):
    as_role(Role.DESK)
    response = client.post(reverse("registrations:repeat"), follow=True)
    assert not Visit.objects.exists()
    assert "Er is geen eerder bezoek om te herhalen." in response.content.decode()
