"""The national vocabularies, read-only for every token, retired terms included."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ido.registrations.models import HelpGiven, ServiceOrganisation, Topic
from tests.factories import LibraryFactory, MunicipalityOrganisationFactory, NationalBodyFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

URLS = ["/api/v1/topics/", "/api/v1/service-organisations/", "/api/v1/help-given/"]


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    "organisation_factory",
    [LibraryFactory, MunicipalityOrganisationFactory, OrganisationFactory, NationalBodyFactory],
)
def test_every_token_reads_the_vocabularies(client_for, url, organisation_factory):
    assert len(codes(client_for(organisation_factory()).get(url))) > 1


@pytest.mark.parametrize("url", URLS)
def test_the_vocabularies_need_a_token(api_client, url):
    assert api_client.get(url).status_code == 401


@pytest.mark.parametrize("url", URLS)
def test_the_vocabularies_are_read_only(client_for, url):
    client = client_for(LibraryFactory())

    assert client.post(url, {"code": "new"}, format="json").status_code == 405


def test_topics_are_in_their_order_with_labels_and_main_topic(client_for):
    digid = Topic.objects.get(code="digid")
    Topic.objects.filter(code="mijnoverheid").update(parent=digid)

    rows = client_for(LibraryFactory()).get("/api/v1/topics/").json()["results"]

    assert [row["code"] for row in rows] == list(
        Topic.objects.order_by("sort_order", "label_nl", "code").values_list("code", flat=True)
    )
    by_code = {row["code"]: row for row in rows}
    assert by_code["digid"] == {
        "code": "digid",
        "label_nl": digid.label_nl,
        "label_en": digid.label_en,
        "parent": None,
        "sort_order": digid.sort_order,
        "retired_on": None,
    }
    assert by_code["mijnoverheid"]["parent"] == "digid"


def test_organisations_show_their_government_layer_and_help_its_link_point(client_for):
    client = client_for(LibraryFactory())

    organisations = {row["code"]: row for row in client.get("/api/v1/service-organisations/").json()["results"]}
    help_given = {row["code"]: row for row in client.get("/api/v1/help-given/").json()["results"]}

    assert organisations["uwv"]["government_layer"] == "national"
    assert organisations["gemeente"]["government_layer"] == "municipal"
    assert help_given["referred-organisation"]["link_point"] == "referral"
    assert help_given["explained"]["link_point"] == ""


@pytest.mark.parametrize(
    ("url", "model", "code"),
    [
        ("/api/v1/topics/", Topic, "fines"),
        ("/api/v1/service-organisations/", ServiceOrganisation, "lbio"),
        ("/api/v1/help-given/", HelpGiven, "self-service"),
    ],
)
def test_retired_terms_are_listed_with_their_date_and_left_out_when_asked(client_for, url, model, code):
    today = timezone.localdate()
    model.objects.filter(code=code).update(retired_on=today)
    model.objects.filter(pk=model.objects.exclude(code=code).first().pk).update(retired_on=today + timedelta(days=7))
    client = client_for(LibraryFactory())

    everything = client.get(url).json()["results"]
    active = codes(client.get(url, {"active": "true"}))
    retired = codes(client.get(url, {"active": "false"}))

    assert {row["code"]: row["retired_on"] for row in everything}[code] == today.isoformat()
    assert len(everything) == model.objects.count()
    assert code not in active
    assert len(active) == model.objects.count() - 1  # retiring next week: still active today
    assert retired == [code]
