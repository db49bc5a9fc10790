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
    assert f"met 2 vragen op {location.name}" in page.content.decode()
    # A warm referral starts here: per question, the free slots of consultation hours about its topic.
    questions = visit.questions.order_by("position")
    for question in questions:
        assert f"{reverse('referrals:new')}?question={question.pk}" in page.content.decode()
    free_slots = reverse("appointments:free_slots")
    for code in ("digid", "allowances"):
        assert f"{free_slots}?topic={Topic.objects.get(code=code).pk}" in page.content.decode()
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
    assert str(page.context["form"]["location"].value()) == str(second.pk)


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


def correction_data(visit, *questions, **fields):
    """The correction form: the visit fields (no location) and the question formset with initial forms."""
    data = form_data(visit.location, *questions, **fields)
    data.pop("location")
    data["q-INITIAL_FORMS"] = str(visit.questions.count())
    return data


def test_desk_corrects_own_registration_within_the_week_then_it_is_final(client, as_role):
    desk = as_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    visit = VisitFactory(location=location, registered_by=desk.user)
    url = reverse("registrations:edit", kwargs={"pk": visit.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "reason" not in page.context["form"].fields
    assert page.context["questions"].forms[0].initial["topic"] == Topic.objects.get(code="digid").pk
    response = client.post(url, correction_data(visit, ("taxes", "belastingdienst"), channel="phone"))
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.channel == "phone"
    assert [q.topic.code for q in visit.questions.all()] == ["taxes"]
    listing = client.get(reverse("registrations:list"))
    assert reverse("registrations:edit", kwargs={"pk": visit.pk}) in listing.content.decode()

    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - timezone.timedelta(days=8))
    assert client.get(url).status_code == 403
    assert client.post(url, correction_data(visit, ("digid", ""))).status_code == 403
    assert (
        reverse("registrations:edit", kwargs={"pk": visit.pk})
        not in client.get(reverse("registrations:list")).content.decode()
    )


def test_coordinator_corrects_a_final_registration_only_with_a_reason(client, as_role):
    coordinator = as_role(Role.COORDINATOR)
    location = LocationFactory(library=coordinator.organisation)
    visit = VisitFactory(location=location, occurred_at=timezone.now() - timezone.timedelta(days=20))
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - timezone.timedelta(days=20))
    url = reverse("registrations:edit", kwargs={"pk": visit.pk})
    response = client.post(url, correction_data(visit, ("taxes", "")))
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert visit.questions.get().topic.code == "digid"
    response = client.post(url, correction_data(visit, ("taxes", ""), reason="Verkeerd onderwerp"))
    assert response.status_code == 302
    assert visit.questions.get().topic.code == "taxes"


def test_coordinator_finds_older_registrations_by_period(client, as_role):
    coordinator = as_role(Role.COORDINATOR)
    location = LocationFactory(library=coordinator.organisation)
    old = VisitFactory(location=location, occurred_at=timezone.now() - timezone.timedelta(days=40))
    recent = VisitFactory(location=location)
    assert list(client.get(reverse("registrations:list")).context["visits"]) == [recent]
    day = timezone.localtime(old.occurred_at).date()
    response = client.get(reverse("registrations:list"), {"start": day.isoformat(), "end": day.isoformat()})
    assert list(response.context["visits"]) == [old]


def test_characteristics_switched_off_are_not_on_the_form(client, as_role):
    coordinator = as_role(Role.COORDINATOR)
    LocationFactory(library=coordinator.organisation)
    assert "age_band" in client.get(reverse("registrations:new")).context["form"].fields
    response = client.post(reverse("registrations:settings"), {})  # unchecked box: off
    assert response.status_code == 302
    form = client.get(reverse("registrations:new")).context["form"]
    assert not {"age_band", "dutch_as_second_language", "first_visit"} & set(form.fields)


def test_favourite_topics_become_one_click_buttons(client, as_role):
    desk = as_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    taxes = Topic.objects.get(code="taxes")
    response = client.post(reverse("registrations:favourites"), {"topics": [taxes.pk]})
    assert response.status_code == 302
    page = client.get(reverse("registrations:new"))
    assert page.context["favourites"] == [taxes]
    quick = reverse("registrations:quick", kwargs={"topic_pk": taxes.pk})
    assert quick in page.content.decode()
    assert client.post(quick, {"location": location.pk}).status_code == 302
    visit = Visit.objects.get()
    assert (visit.location, visit.questions.get().topic) == (location, taxes)
    # A topic that is not one of the user's favourites cannot be registered this way.
    digid = Topic.objects.get(code="digid")
    assert client.post(reverse("registrations:quick", kwargs={"topic_pk": digid.pk})).status_code == 404


def test_saving_a_visit_reads_each_vocabulary_once(client, as_role, django_assert_max_num_queries):
    """Saving does only what saving needs: no topic counts, one read per vocabulary, no session write.
    The budget: session, user, TOTP device and memberships (middleware); locations; three vocabularies;
    the service's location and settings checks; a savepoint pair; two INSERTs."""
    desk = as_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    data = form_data(location, ("digid", "logius"), ("allowances", "toeslagen"), ("taxes", ""))
    client.get(reverse("registrations:new"))
    with django_assert_max_num_queries(14):
        response = client.post(reverse("registrations:new"), data)
    assert response.status_code == 302
    assert Visit.objects.get().questions.count() == 3


def test_a_refused_visit_comes_back_with_the_most_used_topics_first(client, as_role):
    desk = as_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    VisitFactory(location=location, questions=[("fines", "explained")])
    response = client.post(reverse("registrations:new"), form_data(location, ("digid", ""), note="mail a@b.nl"))
    assert response.status_code == 200
    first_choice = response.context["questions"].forms[0].fields["topic"].choices[1]
    assert first_choice[0] == str(Topic.objects.get(code="fines").pk)


def test_with_the_vocabulary_cache_saving_reads_no_vocabulary(client, as_role, settings, django_assert_num_queries):
    """As in production: the lists come from the per-process cache. Left: the middleware's four reads, the
    locations, the library's settings, a savepoint pair and the two INSERTs."""
    from ido.registrations import vocabulary_cache

    settings.IDO_VOCABULARY_CACHE_SECONDS = 60
    vocabulary_cache.clear()
    desk = as_role(Role.DESK)
    location = LocationFactory(library=desk.organisation)
    data = form_data(location, ("digid", "logius"), ("allowances", "toeslagen"), ("taxes", ""))
    client.get(reverse("registrations:new"))
    with django_assert_num_queries(10):
        assert client.post(reverse("registrations:new"), data).status_code == 302
    vocabulary_cache.clear()
