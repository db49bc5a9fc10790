"""Warm referrals in the API: an organisation's token reads the referrals addressed to it, with the visitor's
details for that organisation alone and every reading audited; a partner's token moves them on through the state
machine; nobody else sees them."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from ido.referrals import services
from ido.referrals.models import Referral, ReferralEvent, ReferralStatus
from ido.registrations.models import Topic
from tests.factories import (
    LocationFactory,
    MunicipalityOrganisationFactory,
    NationalBodyFactory,
    OrganisationFactory,
    membership_for_role,
)
from tests.referrals.test_referrals import make_agreement, referral_input

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=AMSTERDAM)
REFERRALS = "/api/v1/referrals/"
READ = "referrals.referral.read"


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def desk():
    return membership_for_role(Role.DESK)


@pytest.fixture
def library(desk):
    return desk.organisation


@pytest.fixture
def partner(library):
    partner = OrganisationFactory(name="Buurtteam Oost")
    make_agreement(library, partner, "allowances", "taxes", response_days=3)
    return partner


def refer(desk, receiver, **fields) -> Referral:
    return services.refer(actor=desk, data=referral_input(receiver, **fields))


def status_url(referral: Referral) -> str:
    return f"{REFERRALS}{referral.pk}/status/"


def reads() -> list[str]:
    return sorted(AuditEvent.objects.filter(action=READ).values_list("target_id", flat=True))


# Reading the inbox


def test_a_partner_token_reads_its_inbox_with_the_visitors_details_and_each_reading_is_audited(
    client_for, desk, library, partner
):
    first = refer(desk, partner)
    with time_machine.travel(NOW.replace(hour=11), tick=False):
        second = refer(
            desk,
            partner,
            topic=Topic.objects.get(code="taxes"),
            urgency="urgent",
            contact=services.ContactDetails(name="Karim", email="karim@example.nl"),
        )
    client = client_for(partner)

    response = client.get(REFERRALS)

    assert response.status_code == 200, response.content
    data = response.json()
    assert [row["id"] for row in data["results"]] == [second.pk, first.pk]  # newest first
    row = data["results"][1]
    assert row == {
        "id": first.pk,
        "direction": "to_partner",
        "sender_name": library.name,
        "receiver_location": None,
        "topic": {"code": "allowances", "label_nl": row["topic"]["label_nl"], "label_en": row["topic"]["label_en"]},
        "urgency": "normal",
        "status": "sent",
        "created_at": "2026-12-01T10:00:00+01:00",
        "response_due_at": "2026-12-04T17:00:00+01:00",
        "first_reaction_at": None,
        "closed_at": None,
        "personal_data_deleted_at": None,
        "visitor": {
            "reason": "Terugvordering huurtoeslag, wil betalingsregeling",
            "tried": "Zelf gebeld met de Belastingtelefoon",
            "name": "Fatima",
            "phone": "0612345678",
            "email": "",
            "preferred_contact_time": "ochtend",
        },
    }
    assert data["results"][0]["visitor"]["email"] == "karim@example.nl"
    assert data["results"][0]["urgency"] == "urgent"
    assert reads() == sorted([str(first.pk), str(second.pk)])
    assert set(AuditEvent.objects.filter(action=READ).values_list("organisation", flat=True)) == {partner.pk}


def test_the_inbox_costs_one_audit_insert_per_referral_shown_and_no_query_per_referral(client_for, desk, partner):
    for _ in range(3):
        refer(desk, partner)
    client = client_for(partner)
    client.get(REFERRALS)  # the token's first use is written once a minute; not what is measured here

    with CaptureQueriesContext(connection) as queries:
        response = client.get(REFERRALS)

    assert response.json()["count"] == 3
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    assert statements.count("INSERT") == 3  # the audit events, through services.read_referral
    assert statements.count("SELECT") == 3  # the token, the count, the page with sender, receiver and topic


def test_the_inbox_filters_by_status(client_for, desk, partner):
    declined = refer(desk, partner)
    open_one = refer(desk, partner)
    staff = membership_for_role(Role.PARTNER_STAFF, organisation=partner)
    services.move(actor=staff, referral=declined, status=ReferralStatus.DECLINED, note="Geen plek")
    client = client_for(partner)

    assert [row["id"] for row in client.get(REFERRALS, {"status": "sent"}).json()["results"]] == [open_one.pk]
    assert [row["id"] for row in client.get(REFERRALS, {"status": "declined"}).json()["results"]] == [declined.pk]
    invalid = client.get(REFERRALS, {"status": "lost"})
    assert invalid.status_code == 400
    assert list(invalid.json()) == ["status"]


def test_the_detail_shows_the_timeline_with_the_reason_to_decline(client_for, desk, partner):
    referral = refer(desk, partner)
    staff = membership_for_role(Role.PARTNER_STAFF, organisation=partner)
    services.move(actor=staff, referral=referral, status=ReferralStatus.DECLINED, note="Geen plek deze maand")

    response = client_for(partner).get(f"{REFERRALS}{referral.pk}/")

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["closed_at"]) == ("declined", "2026-12-01T10:00:00+01:00")
    assert data["events"] == [
        {
            "name": "referrals.referral.sent",
            "status": "sent",
            "at": "2026-12-01T10:00:00+01:00",
            "organisation_name": referral.sender.name,
            "note": "",
        },
        {
            "name": "referrals.referral.declined",
            "status": "declined",
            "at": "2026-12-01T10:00:00+01:00",
            "organisation_name": "Buurtteam Oost",
            "note": "Geen plek deze maand",
        },
    ]
    assert data["visitor"]["name"] == "Fatima"
    assert reads() == [str(referral.pk)]


def test_once_the_personal_data_is_deleted_the_visitor_is_null_and_nothing_is_audited(client_for, desk, partner):
    referral = refer(desk, partner)
    services.withdraw_consent(actor=desk, referral=referral)

    client = client_for(partner)
    listed = client.get(REFERRALS).json()["results"]
    detail = client.get(f"{REFERRALS}{referral.pk}/").json()

    assert listed[0]["visitor"] is None
    assert detail["visitor"] is None
    assert detail["status"] == "withdrawn"
    assert detail["personal_data_deleted_at"] == "2026-12-01T10:00:00+01:00"
    assert "Fatima" not in json.dumps([listed, detail])
    assert reads() == []


def test_another_partners_token_sees_nothing(client_for, desk, partner):
    referral = refer(desk, partner)
    client = client_for(OrganisationFactory(name="Schuldhulp West"))

    listed = client.get(REFERRALS)
    detail = client.get(f"{REFERRALS}{referral.pk}/")
    moved = client.post(status_url(referral), {"status": "accepted"}, format="json")

    assert (listed.status_code, listed.json()["count"]) == (200, 0)
    assert detail.status_code == 404
    assert moved.status_code == 404
    assert Referral.objects.get().status == ReferralStatus.SENT
    assert reads() == []


def test_a_library_token_lists_what_it_received_and_never_what_it_sent(client_for, desk, library, partner):
    sent = refer(desk, partner)
    location = LocationFactory(library=library)
    partner_staff = membership_for_role(Role.PARTNER_STAFF, organisation=partner)
    expected = services.refer(
        actor=partner_staff,
        data=referral_input(
            library,
            receiver_location=location,
            contact=services.ContactDetails(name="Sanne", phone="0698765432"),
        ),
    )
    client = client_for(library)

    listed = client.get(REFERRALS)
    detail_sent = client.get(f"{REFERRALS}{sent.pk}/")
    detail_expected = client.get(f"{REFERRALS}{expected.pk}/")

    assert listed.status_code == 200, listed.content
    results = listed.json()["results"]
    assert [row["id"] for row in results] == [expected.pk]
    assert results[0]["direction"] == "to_ido"
    assert results[0]["receiver_location"] == location.pk
    assert results[0]["sender_name"] == "Buurtteam Oost"
    assert results[0]["visitor"]["name"] == "Sanne"
    assert detail_sent.status_code == 404
    assert detail_expected.status_code == 200
    assert "Fatima" not in listed.content.decode() + detail_sent.content.decode()
    assert reads() == [str(expected.pk), str(expected.pk)]  # the list and the detail
    assert set(AuditEvent.objects.filter(action=READ).values_list("organisation", flat=True)) == {library.pk}


# Changing the status


def test_a_partner_token_accepts_and_records_what_happened(client_for, desk, partner):
    referral = refer(desk, partner)
    client = client_for(partner)

    accepted = client.post(status_url(referral), {"status": "accepted"}, format="json")

    assert accepted.status_code == 200, accepted.content
    data = accepted.json()
    assert (data["status"], data["first_reaction_at"]) == ("accepted", "2026-12-01T10:00:00+01:00")
    assert [event["name"] for event in data["events"]] == ["referrals.referral.sent", "referrals.referral.accepted"]
    assert data["visitor"]["phone"] == "0612345678"
    event = ReferralEvent.objects.get(name="referrals.referral.accepted")
    assert event.organisation == partner and event.user is None
    changed = AuditEvent.objects.get(action="referrals.referral.accepted")
    assert (changed.organisation, changed.actor) == (partner, None)
    token = partner.api_tokens.get()
    assert changed.actor_label == f"API token {token.prefix}… (Buurtteam Oost)"  # which token, not just "system"
    assert AuditEvent.objects.filter(action=READ).exclude(actor_label=changed.actor_label).count() == 0
    assert reads() == [str(referral.pk)]  # the answer shows the visitor's details too

    completed = client.post(status_url(referral), {"status": "completed", "note": "Regeling getroffen"}, format="json")

    assert completed.status_code == 200, completed.content
    assert completed.json()["closed_at"] == "2026-12-01T10:00:00+01:00"
    assert Referral.objects.get().status == ReferralStatus.COMPLETED


@pytest.mark.parametrize(
    ("start", "step"),
    [
        (None, "completed"),  # not accepted yet
        (None, "withdrawn"),  # the sender's step
        (None, "sent"),
        (ReferralStatus.ACCEPTED, "declined"),
        (ReferralStatus.DECLINED, "accepted"),  # closed
    ],
)
def test_a_step_the_state_machine_does_not_allow_is_refused_and_changes_nothing(client_for, desk, partner, start, step):
    referral = refer(desk, partner)
    if start is not None:
        staff = membership_for_role(Role.PARTNER_STAFF, organisation=partner)
        services.move(actor=staff, referral=referral, status=start, note="Geen plek")
    before = (Referral.objects.get().status, ReferralEvent.objects.count())

    response = client_for(partner).post(status_url(referral), {"status": step}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["status"]
    assert (Referral.objects.get().status, ReferralEvent.objects.count()) == before


def test_declining_needs_a_reason(client_for, desk, partner):
    referral = refer(desk, partner)
    client = client_for(partner)

    refused = client.post(status_url(referral), {"status": "declined", "note": "  "}, format="json")

    assert refused.status_code == 400
    assert list(refused.json()) == ["note"]
    assert Referral.objects.get().status == ReferralStatus.SENT
    assert Referral.objects.get().first_reaction_at is None

    declined = client.post(status_url(referral), {"status": "declined", "note": "Buiten ons gebied"}, format="json")

    assert declined.status_code == 200, declined.content
    assert declined.json()["events"][-1]["note"] == "Buiten ons gebied"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "declined", "note": "Bel 0612345678"},  # personal data in the note
        {"status": "declined", "note": "x" * 301},
        {"status": "lost"},
        {},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client_for, desk, partner, body):
    referral = refer(desk, partner)

    response = client_for(partner).post(status_url(referral), body, format="json")

    assert response.status_code == 400
    assert set(response.json()) <= {"status", "note"}
    assert Referral.objects.get().status == ReferralStatus.SENT
    assert ReferralEvent.objects.count() == 1


def test_a_library_token_reads_its_expected_visitors_but_does_not_move_them(client_for, library, partner):
    partner_staff = membership_for_role(Role.PARTNER_STAFF, organisation=partner)
    referral = services.refer(
        actor=partner_staff, data=referral_input(library, receiver_location=LocationFactory(library=library))
    )

    response = client_for(library).post(status_url(referral), {"status": "accepted"}, format="json")

    assert response.status_code == 403
    assert Referral.objects.get().status == ReferralStatus.SENT


@pytest.mark.parametrize("organisation_factory", [MunicipalityOrganisationFactory, NationalBodyFactory])
def test_a_token_without_the_referral_permissions_gets_403(client_for, desk, partner, organisation_factory):
    referral = refer(desk, partner)
    client = client_for(organisation_factory())

    assert client.get(REFERRALS).status_code == 403
    assert client.get(f"{REFERRALS}{referral.pk}/").status_code == 403
    assert client.post(status_url(referral), {"status": "accepted"}, format="json").status_code == 403
    assert Referral.objects.get().status == ReferralStatus.SENT
    assert reads() == []


def test_without_a_token_the_referrals_answer_401(api_client, desk, partner):
    referral = refer(desk, partner)

    assert api_client.get(REFERRALS).status_code == 401
    assert api_client.get(f"{REFERRALS}{referral.pk}/").status_code == 401
    assert api_client.post(status_url(referral), {"status": "accepted"}, format="json").status_code == 401
    assert Referral.objects.get().status == ReferralStatus.SENT
