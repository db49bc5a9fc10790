"""The registration API: a library's token registers visits and lists its own; other tokens see none."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ido.locations.models import LocationStatus
from ido.registrations.models import Question, Topic, Visit
from tests.api.conftest import issue_token
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MunicipalityOrganisationFactory,
    NationalBodyFactory,
    OrganisationFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/visits/"
AMSTERDAM = timezone.get_fixed_timezone(60)  # winter time: the dates in these tests are in January


@pytest.fixture
def library_a():
    return LibraryFactory(name="Bibliotheek A")


@pytest.fixture
def library_b():
    return LibraryFactory(name="Bibliotheek B")


@pytest.fixture
def location_a(library_a):
    return LocationFactory(library=library_a, name="A Centrum")


@pytest.fixture
def location_b(library_b):
    return LocationFactory(library=library_b, name="B Centrum")


def body(location, **fields) -> dict:
    return {
        "location": location.pk,
        "questions": [{"topic": "digid", "service_organisation": "logius", "help_given": "explained"}],
        **fields,
    }


# Registering


def test_library_token_registers_a_visit_with_two_questions(client_for, location_a):
    client = client_for(location_a.library)
    occurred_at = timezone.now() - timedelta(hours=1)

    response = client.post(
        URL,
        {
            "location": location_a.pk,
            "occurred_at": occurred_at.isoformat(),
            "channel": "appointment",
            "duration_band": "20_40",
            "age_band": "65_plus",
            "dutch_as_second_language": "no",
            "first_visit": "yes",
            "note": "Kwam met de brief van de Belastingdienst.",
            "questions": [
                {"topic": "taxes", "service_organisation": "belastingdienst", "help_given": "done-together"},
                {"topic": "allowances", "help_given": "referred-organisation", "solved": "no"},
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    data = response.json()
    visit = Visit.objects.get()
    assert data["id"] == visit.pk
    assert data["location"] == location_a.pk
    assert data["channel"] == "appointment"
    assert data["duration_band"] == "20_40"
    assert data["age_band"] == "65_plus"
    assert data["dutch_as_second_language"] == "no"
    assert data["first_visit"] == "yes"
    assert data["note"] == "Kwam met de brief van de Belastingdienst."
    assert data["questions"] == [
        {
            "position": 1,
            "topic": "taxes",
            "service_organisation": "belastingdienst",
            "help_given": "done-together",
            "solved": "",
        },
        {
            "position": 2,
            "topic": "allowances",
            "service_organisation": None,
            "help_given": "referred-organisation",
            "solved": "no",
        },
    ]
    assert visit.library == location_a.library
    assert visit.occurred_at == occurred_at
    # A token is no person: nobody is recorded as having registered it.
    assert visit.registered_by is None
    assert "registered_by" not in data
    assert (
        list(Question.objects.values_list("library", "location", "occurred_at"))
        == [(location_a.library_id, location_a.pk, occurred_at)] * 2
    )


def test_a_visit_without_a_time_and_choices_is_registered_now_with_the_defaults(client_for, location_a):
    client = client_for(location_a.library)
    before = timezone.now()

    response = client.post(URL, body(location_a), format="json")

    assert response.status_code == 201, response.content
    visit = Visit.objects.get()
    assert before <= visit.occurred_at <= timezone.now()
    assert (visit.channel, visit.duration_band) == ("walk_in", "10_20")
    assert (visit.age_band, visit.dutch_as_second_language, visit.first_visit, visit.note) == ("", "", "", "")


def test_a_library_token_cannot_register_at_another_librarys_location(client_for, location_a, location_b):
    client = client_for(location_b.library)

    response = client.post(URL, body(location_a), format="json")

    assert response.status_code == 400
    assert response.json() == {"location": ["Your library has no location with this id."]}
    assert not Visit.objects.exists()


def test_an_unknown_location_is_answered_like_another_librarys(client_for, location_a, location_b):
    client = client_for(location_b.library)
    foreign = client.post(URL, body(location_a), format="json").json()

    unknown = client.post(URL, {**body(location_a), "location": location_a.pk + 1000}, format="json").json()

    assert unknown == foreign


def test_a_closed_location_is_refused(client_for, location_a):
    location_a.status = LocationStatus.CLOSED
    location_a.save()

    response = client_for(location_a.library).post(URL, body(location_a), format="json")

    assert response.status_code == 400
    assert response.json() == {"location": ["This location is closed; choose another."]}


def test_a_retired_term_is_refused_and_nothing_is_written(client_for, location_a):
    Topic.objects.filter(code="fines").update(retired_on=timezone.localdate())
    client = client_for(location_a.library)

    response = client.post(
        URL,
        body(
            location_a,
            questions=[{"topic": "digid", "help_given": "explained"}, {"topic": "fines", "help_given": "explained"}],
        ),
        format="json",
    )

    assert response.status_code == 400
    messages = response.json()["questions"]
    assert len(messages) == 1
    assert messages[0].startswith("Question 2:")
    assert "Fines and payment plans" in messages[0]
    assert not Visit.objects.exists()
    assert not Question.objects.exists()


def test_a_term_retired_from_tomorrow_can_still_be_chosen(client_for, location_a):
    Topic.objects.filter(code="digid").update(retired_on=timezone.localdate() + timedelta(days=1))

    response = client_for(location_a.library).post(URL, body(location_a), format="json")

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("note", "found"),
    [
        ("BSN 111222333 gezien", "BSN"),  # passes the eleven-test
        ("Mail naar j.jansen@example.nl", "e-mail address"),
        ("Belt terug op 06-12345678", "phone number"),
        ("Rekening NL91 ABNA 0417 1643 00", "IBAN"),
    ],
)
def test_a_note_with_personal_data_is_refused(client_for, location_a, note, found):
    response = client_for(location_a.library).post(URL, body(location_a, note=note), format="json")

    assert response.status_code == 400
    [message] = response.json()["note"]
    assert found in message
    assert not Visit.objects.exists()


def test_nine_digits_that_fail_the_eleven_test_are_no_bsn(client_for, location_a):
    response = client_for(location_a.library).post(URL, body(location_a, note="Dossier 123456789"), format="json")

    assert response.status_code == 201, response.content


def test_unknown_codes_are_named_on_the_question_they_belong_to(client_for, location_a):
    response = client_for(location_a.library).post(
        URL,
        body(
            location_a,
            questions=[
                {"topic": "digid", "help_given": "explained"},
                {"topic": "astrology", "service_organisation": "nasa", "help_given": "explained"},
            ],
        ),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "questions": {
            "1": {
                "topic": ["There is no topic with the code “astrology”."],
                "service_organisation": ["There is no organisation concerned with the code “nasa”."],
            }
        }
    }


@pytest.mark.parametrize("code", [123, "", "dig id", "digid\x00", "x" * 61, {"code": "digid"}, ["digid"]])
def test_codes_of_the_wrong_shape_are_refused(client_for, location_a, code):
    response = client_for(location_a.library).post(
        URL, body(location_a, questions=[{"topic": code, "help_given": "explained"}]), format="json"
    )

    assert response.status_code == 400
    assert "topic" in response.json()["questions"]["0"]


@pytest.mark.parametrize("count", [0, 11])
def test_a_visit_has_one_to_ten_questions(client_for, location_a, count):
    questions = [{"topic": "digid", "help_given": "explained"}] * count

    response = client_for(location_a.library).post(URL, body(location_a, questions=questions), format="json")

    assert response.status_code == 400
    assert "questions" in response.json()


def test_ten_questions_are_fine(client_for, location_a):
    questions = [{"topic": "digid", "help_given": "explained"}] * 10

    response = client_for(location_a.library).post(URL, body(location_a, questions=questions), format="json")

    assert response.status_code == 201
    assert [q["position"] for q in response.json()["questions"]] == list(range(1, 11))


def test_a_visit_in_the_future_is_refused(client_for, location_a):
    later = (timezone.now() + timedelta(hours=1)).isoformat()

    response = client_for(location_a.library).post(URL, body(location_a, occurred_at=later), format="json")

    assert response.status_code == 400
    assert response.json() == {"occurred_at": ["The date and time are in the future."]}


def test_a_visit_before_2000_is_refused(client_for, location_a):
    response = client_for(location_a.library).post(
        URL, body(location_a, occurred_at="1999-06-30T12:00:00+02:00"), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"occurred_at": ["Visits before 2000 cannot be registered."]}


@pytest.mark.parametrize(
    "payload",
    [
        {},
        [],
        "visit",
        {"location": "A Centrum", "questions": []},
        {"location": 2**40, "questions": [{"topic": "digid", "help_given": "explained"}]},
        {"location": 1, "questions": "digid"},
        {"location": 1, "questions": [{"topic": "digid", "help_given": "explained"}], "channel": "pigeon"},
        {"location": 1, "questions": [{"topic": "digid", "help_given": "explained"}], "occurred_at": "yesterday"},
        {"location": 1, "questions": [{"topic": "digid", "help_given": "explained"}], "note": "x" * 201},
    ],
)
def test_malformed_input_answers_400_with_messages_per_field(client_for, location_a, payload):
    response = client_for(location_a.library).post(URL, payload, format="json")

    assert response.status_code == 400
    assert isinstance(response.json(), dict)
    assert not Visit.objects.exists()


def test_a_body_that_is_not_json_is_refused(client_for, location_a):
    client = client_for(location_a.library)

    assert client.post(URL, "{not json", content_type="application/json").status_code == 400
    assert client.post(URL, {"location": location_a.pk}, format="multipart").status_code == 415


def test_messages_are_dutch_unless_the_client_asks_otherwise(location_a):
    _token, key = issue_token(location_a.library)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    location_a.status = LocationStatus.CLOSED
    location_a.save()

    missing = client.post(URL, {}, format="json").json()
    closed = client.post(URL, body(location_a), format="json").json()

    assert missing["location"] == ["Dit veld is vereist."]
    assert closed == {"location": ["Deze locatie is gesloten; kies een andere."]}


@pytest.mark.parametrize(
    "organisation_factory", [NationalBodyFactory, MunicipalityOrganisationFactory, OrganisationFactory]
)
def test_tokens_of_other_organisations_cannot_register_and_see_no_visits(client_for, location_a, organisation_factory):
    VisitFactory(location=location_a)
    client = client_for(organisation_factory())

    response = client.post(URL, body(location_a), format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the API token of a library can register visits."}
    assert Visit.objects.count() == 1
    listing = client.get(URL)
    assert listing.status_code == 200
    assert listing.json()["results"] == []


def test_without_a_token_visits_can_be_neither_read_nor_registered(api_client, location_a):
    assert api_client.get(URL).status_code == 401
    assert api_client.post(URL, body(location_a), format="json").status_code == 401
    assert not Visit.objects.exists()


# Listing


def test_the_list_shows_the_librarys_visits_newest_first_with_their_questions(client_for, location_a):
    second_location = LocationFactory(library=location_a.library)
    now = timezone.now()
    older = VisitFactory(location=location_a, occurred_at=now - timedelta(days=2))
    newer = VisitFactory(
        location=second_location,
        occurred_at=now - timedelta(hours=1),
        questions=[("taxes", "done-together"), ("allowances", "not-helped")],
    )

    data = client_for(location_a.library).get(URL).json()

    assert data["count"] == 2
    assert [row["id"] for row in data["results"]] == [newer.pk, older.pk]
    assert data["results"][0]["location"] == second_location.pk
    assert [(q["topic"], q["help_given"]) for q in data["results"][0]["questions"]] == [
        ("taxes", "done-together"),
        ("allowances", "not-helped"),
    ]


def test_a_token_of_library_b_never_sees_library_as_visits(client_for, location_a, location_b):
    own = VisitFactory(location=location_b)
    VisitFactory(location=location_a)
    client = client_for(location_b.library)

    data = client.get(URL).json()
    filtered = client.get(URL, {"location": location_a.pk}).json()

    assert [row["id"] for row in data["results"]] == [own.pk]
    assert filtered["results"] == []


def test_a_visit_registered_through_the_api_is_in_the_list(client_for, location_a):
    client = client_for(location_a.library)

    created = client.post(URL, body(location_a), format="json").json()

    assert client.get(URL).json()["results"] == [created]


def test_the_list_filters_by_local_days_and_by_location(client_for, location_a):
    other_location = LocationFactory(library=location_a.library)
    # 23:30 on 14 January in Amsterdam is 22:30 UTC: it belongs to the 14th.
    late_on_the_14th = VisitFactory(location=location_a, occurred_at=datetime(2026, 1, 14, 23, 30, tzinfo=AMSTERDAM))
    early_on_the_15th = VisitFactory(location=location_a, occurred_at=datetime(2026, 1, 15, 0, 15, tzinfo=AMSTERDAM))
    elsewhere = VisitFactory(location=other_location, occurred_at=datetime(2026, 1, 15, 10, 0, tzinfo=AMSTERDAM))
    client = client_for(location_a.library)

    def ids(**params) -> list[int]:
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(occurred_to="2026-01-14") == [late_on_the_14th.pk]
    assert ids(occurred_from="2026-01-15") == [elsewhere.pk, early_on_the_15th.pk]
    assert ids(occurred_from="2026-01-15", occurred_to="2026-01-15", location=location_a.pk) == [early_on_the_15th.pk]
    assert ids(location=other_location.pk) == [elsewhere.pk]
    assert ids(occurred_from="2026-01-16", occurred_to="2026-01-14") == []
    # The ends of the calendar are open bounds, not errors.
    assert len(ids(occurred_from="0001-01-01", occurred_to="9999-12-31")) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"occurred_from": "gisteren"},
        {"occurred_to": "2026-13-01"},
        {"location": "A"},
        {"location": 0},
        {"location": 2**31},
    ],
)
def test_an_invalid_filter_answers_400(client_for, location_a, params):
    response = client_for(location_a.library).get(URL, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_the_list_is_paginated_like_the_other_lists(client_for, location_a):
    VisitFactory.create_batch(101, location=location_a)
    client = client_for(location_a.library)

    first = client.get(URL).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 101
    assert len(first["results"]) == 100
    assert first["previous"] is None
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert {row["id"] for row in first["results"] + second["results"]} == set(
        Visit.objects.values_list("pk", flat=True)
    )
    assert client.get(URL, {"page": 3}).status_code == 404


def test_list_queries_do_not_grow_with_the_number_of_visits(client_for, location_a, django_assert_max_num_queries):
    for _ in range(5):
        VisitFactory(location=location_a, questions=[("taxes", "done-together"), ("allowances", "not-helped")])
    client = client_for(location_a.library)

    # auth lookup, last-used update, count, page, questions, their topics, organisations and help given
    with django_assert_max_num_queries(8):
        assert len(client.get(URL).json()["results"]) == 5
