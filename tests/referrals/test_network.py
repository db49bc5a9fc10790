"""The partner network: the directory of partner services, referral agreements between libraries and partners, and
the municipality's white spots. Each role's view of them, the rules of the services, and the pages."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from ido.referrals import network_rules, network_selectors, network_services
from ido.referrals.models import PartnerService, ReferralAgreement
from ido.registrations.models import Topic
from tests.conftest import login_verified
from tests.factories import (
    LibraryFactory,
    LocationFactory,
    MembershipFactory,
    MunicipalityFactory,
    MunicipalityOrganisationFactory,
    NationalBodyFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=AMSTERDAM)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def topic(code: str) -> Topic:
    return Topic.objects.get(code=code)


def make_service(organisation, name="Geldzaken", codes=("allowances",), municipalities=(), **fields) -> PartnerService:
    service = PartnerService.objects.create(organisation=organisation, name=name, phone="030 123 4567", **fields)
    service.topics.set(Topic.objects.filter(code__in=codes))
    service.municipalities.set(municipalities)
    return service


def make_agreement(library, partner, *codes, **fields) -> ReferralAgreement:
    agreement = ReferralAgreement.objects.create(
        library=library, partner=partner, valid_from=fields.pop("valid_from", date(2026, 1, 1)), **fields
    )
    agreement.topics.set(Topic.objects.filter(code__in=codes or ("allowances",)))
    return agreement


class Region:
    """Two municipalities. Library A serves Utrecht, library B serves Amersfoort, library C serves both. Two
    partners; one member of each role, acting for the Utrecht side."""

    def __init__(self):
        self.utrecht = MunicipalityFactory(cbs_code="GM0344", name="Utrecht")
        self.amersfoort = MunicipalityFactory(cbs_code="GM0307", name="Amersfoort")
        self.library_a = LibraryFactory(name="Bibliotheek A", served_municipalities=[self.utrecht])
        self.library_b = LibraryFactory(name="Bibliotheek B", served_municipalities=[self.amersfoort])
        self.library_c = LibraryFactory(name="Bibliotheek C", served_municipalities=[self.utrecht, self.amersfoort])
        self.location_a = LocationFactory(library=self.library_a, municipality=self.utrecht, name="IDO Neude")
        self.location_c_utrecht = LocationFactory(library=self.library_c, municipality=self.utrecht, name="IDO C1")
        self.location_c_amersfoort = LocationFactory(
            library=self.library_c, municipality=self.amersfoort, name="IDO C2"
        )
        self.partner_p = OrganisationFactory(name="Buurtteam")
        self.partner_q = OrganisationFactory(name="Belastingdienst", is_national_partner=True)
        self.desk_a = MembershipFactory(role=Role.DESK, organisation=self.library_a)
        self.coordinator_a = MembershipFactory(role=Role.COORDINATOR, organisation=self.library_a)
        self.coordinator_b = MembershipFactory(role=Role.COORDINATOR, organisation=self.library_b)
        self.staff_p = MembershipFactory(role=Role.PARTNER_STAFF, organisation=self.partner_p)
        self.staff_q = MembershipFactory(role=Role.PARTNER_STAFF, organisation=self.partner_q)
        self.officer_utrecht = MembershipFactory(
            role=Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=self.utrecht)
        )
        self.officer_amersfoort = MembershipFactory(
            role=Role.MUNICIPAL_OFFICER, organisation=MunicipalityOrganisationFactory(municipality=self.amersfoort)
        )
        self.national = MembershipFactory(role=Role.NATIONAL_ADMIN, organisation=NationalBodyFactory())


@pytest.fixture
def region():
    return Region()


def visible(actor) -> set[int]:
    pks = list(network_selectors.agreements_visible_to(actor).values_list("pk", flat=True))
    assert len(pks) == len(set(pks)), "an agreement is listed twice"
    return set(pks)


# Scoping of the selectors


def test_each_role_sees_the_agreements_of_its_own_side(region):
    of_a = make_agreement(region.library_a, region.partner_p, "allowances")
    of_b = make_agreement(region.library_b, region.partner_q, "taxes")
    assert visible(region.desk_a) == visible(region.coordinator_a) == {of_a.pk}  # the sending library
    assert visible(region.coordinator_b) == {of_b.pk}  # another library
    assert visible(region.staff_p) == {of_a.pk}  # the partner it is made with
    assert visible(region.staff_q) == {of_b.pk}
    assert visible(region.officer_utrecht) == {of_a.pk}  # the municipality of the territory
    assert visible(region.officer_amersfoort) == {of_b.pk}  # another municipality
    assert visible(region.national) == {of_a.pk, of_b.pk}


def test_a_municipality_sees_library_wide_agreements_and_those_of_locations_on_its_territory(region):
    library_wide = make_agreement(region.library_c, region.partner_p, "fines")
    in_utrecht = make_agreement(region.library_c, region.partner_q, "taxes", location=region.location_c_utrecht)
    in_amersfoort = make_agreement(region.library_c, region.partner_q, "taxes", location=region.location_c_amersfoort)
    assert visible(region.officer_utrecht) == {library_wide.pk, in_utrecht.pk}
    assert visible(region.officer_amersfoort) == {library_wide.pk, in_amersfoort.pk}
    assert visible(region.coordinator_a) == set()


def test_the_directory_shows_every_active_service_to_everyone_with_access(region):
    active = make_service(region.partner_p, "Geldzaken", municipalities=[region.utrecht])
    make_service(region.partner_p, "Oud spreekuur", is_active=False)
    make_service(OrganisationFactory(name="Opgeheven", is_active=False), "Weg")
    for actor in (region.desk_a, region.coordinator_b, region.staff_q, region.officer_amersfoort, region.national):
        assert list(network_selectors.partner_services_visible_to(actor)) == [active]


def test_who_manages_which_service(region):
    own = make_service(region.partner_p, "Geldzaken")
    own_inactive = make_service(region.partner_p, "Oud spreekuur", is_active=False)
    other = make_service(region.partner_q, "Belastingtelefoon")
    assert set(network_selectors.partner_services_manageable_by(region.staff_p)) == {own, own_inactive}
    assert set(network_selectors.partner_services_manageable_by(region.national)) == {own, own_inactive, other}
    assert not network_selectors.partner_services_manageable_by(region.coordinator_a).exists()
    # Only its managers still find a service taken out of the directory.
    assert own_inactive in network_selectors.partner_services_readable_by(region.staff_p)
    assert own_inactive in network_selectors.partner_services_readable_by(region.national)
    assert own_inactive not in network_selectors.partner_services_readable_by(region.staff_q)
    assert own_inactive not in network_selectors.partner_services_readable_by(region.desk_a)


def test_the_directory_filters_on_topic_and_municipality(region):
    rent = Topic.objects.create(
        code="allowances-rent", label_nl="Huurtoeslag", label_en="Rent", parent=topic("allowances")
    )
    local = make_service(region.partner_p, "Geldzaken", codes=("allowances",), municipalities=[region.utrecht])
    national = make_service(region.partner_q, "Belastingtelefoon", codes=("taxes",), nationwide=True)
    sub = make_service(region.partner_q, "Huurtoeslag", codes=("allowances-rent",), nationwide=True)
    services = network_selectors.partner_services_visible_to(region.desk_a)

    def found(**filters):
        return set(network_selectors.filter_directory(services, **filters))

    assert found(municipality=region.amersfoort) == {national, sub}
    assert found(municipality=region.utrecht) == {local, national, sub}
    assert found(topic=topic("taxes")) == {national}
    assert found(topic=topic("allowances")) == {local, sub}  # a main topic finds its subtopics' services
    assert found(topic=rent) == {local, sub}  # and a subtopic its main topic's
    assert found(topic=topic("allowances"), municipality=region.amersfoort) == {sub}
    assert found(topic=topic("digid")) == set()


def test_valid_agreements_for_the_desks_referral_form(region):
    rent = Topic.objects.create(
        code="allowances-rent", label_nl="Huurtoeslag", label_en="Rent", parent=topic("allowances")
    )
    main = make_agreement(region.library_a, region.partner_p, "allowances", valid_until=TODAY)
    only_rent = make_agreement(region.library_a, region.partner_q, "allowances-rent")
    make_agreement(region.library_a, region.partner_q, "allowances", valid_until=TODAY - timedelta(days=1))  # ended
    later = make_agreement(region.library_a, region.partner_q, "allowances", valid_from=TODAY + timedelta(days=1))
    make_agreement(region.library_a, OrganisationFactory(is_active=False), "allowances")  # partner stopped
    make_agreement(region.library_b, region.partner_p, "allowances")  # another library
    elsewhere = LocationFactory(library=region.library_a, municipality=region.utrecht, name="IDO Elders")
    at_neude = make_agreement(region.library_a, region.partner_q, "allowances", location=region.location_a)

    def valid(for_topic, **options):
        return set(network_selectors.valid_agreements(region.library_a, for_topic, **options))

    assert valid(topic("allowances")) == {main, at_neude}
    assert valid(rent) == {main, only_rent, at_neude}  # the main topic's agreement covers the subtopic
    assert valid(rent, location=elsewhere) == {main, only_rent}
    assert valid(topic("taxes")) == set()
    assert valid(topic("allowances"), on=TODAY + timedelta(days=1)) == {at_neude, later}


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "on", "state"),
    [
        (date(2026, 1, 1), None, date(2026, 1, 1), network_rules.IN_FORCE),
        (date(2026, 1, 1), None, date(2025, 12, 31), network_rules.UPCOMING),
        (date(2026, 1, 1), date(2026, 3, 31), date(2026, 3, 31), network_rules.IN_FORCE),
        (date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1), network_rules.ENDED),
    ],
)
def test_agreement_state(valid_from, valid_until, on, state):
    assert network_rules.agreement_state(valid_from, valid_until, on) == state


def test_coverage_counts_a_main_topics_agreement_for_its_subtopics():
    topics = [network_rules.TopicRef(1), network_rules.TopicRef(2, parent_id=1), network_rules.TopicRef(3)]
    on_main = network_rules.AgreementRef(10, partner_id=100, topic_ids=frozenset({1}))
    on_sub = network_rules.AgreementRef(11, partner_id=101, topic_ids=frozenset({2}))
    assert network_rules.coverage(topics, [on_main, on_sub]) == {1: (on_main,), 2: (on_main, on_sub), 3: ()}


# White spots


def test_white_spots_of_a_municipality(region):
    rent = Topic.objects.create(
        code="allowances-rent", label_nl="Huurtoeslag", label_en="Rent", parent=topic("allowances")
    )
    Topic.objects.filter(code="civic-integration").update(retired_on=TODAY)
    make_agreement(region.library_a, region.partner_q, "taxes")
    make_agreement(region.library_a, region.partner_p, "allowances", location=region.location_a)
    make_agreement(region.library_c, region.partner_p, "taxes", "fines")  # library-wide, serves Utrecht too
    make_agreement(region.library_a, region.partner_p, "digid", valid_until=TODAY - timedelta(days=1))  # ended
    make_agreement(region.library_b, region.partner_p, "devices")  # Amersfoort only
    make_agreement(region.library_c, region.partner_p, "housing", location=region.location_c_amersfoort)
    make_agreement(region.library_a, OrganisationFactory(is_active=False), "pension")  # partner stopped

    rows = network_selectors.white_spots(region.utrecht, on=TODAY)
    by_code = {row.topic.code: row for row in rows}
    assert (by_code["taxes"].agreements, by_code["taxes"].partners) == (2, (region.partner_q, region.partner_p))
    assert by_code["fines"].partners == (region.partner_p,)
    assert (by_code["allowances-rent"].agreements, by_code["allowances-rent"].partners) == (1, (region.partner_p,))
    assert by_code["allowances-rent"].label.endswith(rent.label)
    for code in ("digid", "devices", "housing", "pension"):
        assert by_code[code].is_white_spot, code
    assert "civic-integration" not in by_code  # retired
    white = [row.is_white_spot for row in rows]
    assert white == sorted(white, reverse=True), "white spots come first"
    assert {row.topic.code for row in rows if not row.is_white_spot} == {
        "taxes",
        "fines",
        "allowances",
        "allowances-rent",
    }
    # Amersfoort: library B's and library C's agreements there.
    amersfoort = {row.topic.code: row for row in network_selectors.white_spots(region.amersfoort, on=TODAY)}
    assert {code for code, row in amersfoort.items() if not row.is_white_spot} == {
        "devices",
        "housing",
        "taxes",
        "fines",
    }


def test_white_spots_take_three_queries_however_many_agreements(region, django_assert_num_queries):
    for _n in range(5):
        make_agreement(region.library_a, OrganisationFactory(), "taxes", "fines")
    with django_assert_num_queries(3):  # the topics; the agreements; their topics
        network_selectors.white_spots(region.utrecht, on=TODAY)


# The rules of the services: partner services


def service_input(**changes) -> network_services.PartnerServiceInput:
    defaults = network_services.PartnerServiceInput(
        name="Schuldhulp",
        topics=(topic("fines"),),
        municipalities=(),
        nationwide=True,
        phone="030 123 4567",
        languages=("nl", "en"),
    )
    return replace(defaults, **changes)


def test_partner_staff_add_services_for_their_own_organisation_only(region):
    service = network_services.create_partner_service(
        actor=region.staff_p,
        organisation=region.partner_p,
        data=service_input(nationwide=False, municipalities=(region.utrecht,)),
    )
    assert list(service.municipalities.all()) == [region.utrecht]
    event = AuditEvent.objects.get(action="referrals.partner_service.created")
    assert event.organisation == region.partner_p
    assert event.detail["topics"] == ["fines"]
    with pytest.raises(PermissionDenied):
        network_services.create_partner_service(
            actor=region.staff_p, organisation=region.partner_q, data=service_input()
        )
    for actor in (region.coordinator_a, region.officer_utrecht):
        with pytest.raises(PermissionDenied):
            network_services.create_partner_service(actor=actor, organisation=region.partner_p, data=service_input())


def test_the_national_administrator_adds_services_for_any_partner_only(region):
    service = network_services.create_partner_service(
        actor=region.national, organisation=region.partner_q, data=service_input(name="Belastingtelefoon")
    )
    assert service.organisation == region.partner_q
    with pytest.raises(ValidationError) as error:
        network_services.create_partner_service(
            actor=region.national, organisation=region.library_a, data=service_input()
        )
    assert "organisation" in error.value.error_dict


def test_a_service_for_the_whole_country_keeps_no_municipalities(region):
    service = network_services.create_partner_service(
        actor=region.staff_p, organisation=region.partner_p, data=service_input(municipalities=(region.utrecht,))
    )
    assert service.nationwide
    assert not service.municipalities.exists()


BAD_SERVICE_INPUT = [
    ("name", {"name": "   "}),
    ("topics", {"topics": ()}),
    ("municipalities", {"nationwide": False, "municipalities": ()}),
    ("how_to_reach", {"phone": ""}),
    ("phone", {"phone": "bel ons"}),
    ("email", {"email": "geen-adres"}),
    ("website", {"website": "ftp://example.nl"}),
    ("languages", {"languages": ("klingon",)}),
]


@pytest.mark.parametrize(("field", "changes"), BAD_SERVICE_INPUT)
def test_bad_service_input_is_refused_and_changes_nothing(region, field, changes):
    existing = make_service(region.partner_p, "Bestaand", codes=("taxes",), nationwide=True)
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        network_services.create_partner_service(
            actor=region.staff_p, organisation=region.partner_p, data=service_input(**changes)
        )
    assert field in error.value.error_dict
    with pytest.raises(ValidationError):
        network_services.update_partner_service(actor=region.staff_p, service=existing, data=service_input(**changes))
    assert PartnerService.objects.count() == 1
    existing.refresh_from_db()
    assert (existing.name, existing.phone) == ("Bestaand", "030 123 4567")
    assert [t.code for t in existing.topics.all()] == ["taxes"]
    assert AuditEvent.objects.count() == audit_before


def test_a_second_service_with_the_same_name_and_a_retired_topic_are_refused(region):
    make_service(region.partner_p, "Schuldhulp")
    with pytest.raises(ValidationError) as error:
        network_services.create_partner_service(
            actor=region.staff_p, organisation=region.partner_p, data=service_input(name="schuldhulp")
        )
    assert "name" in error.value.error_dict
    Topic.objects.filter(code="fines").update(retired_on=TODAY)
    with pytest.raises(ValidationError) as error:
        network_services.create_partner_service(
            actor=region.staff_p,
            organisation=region.partner_p,
            data=service_input(name="Nieuw", topics=(topic("fines"),)),
        )
    assert "topics" in error.value.error_dict


def test_changing_and_switching_a_service_off_and_on_is_audited(region):
    service = make_service(region.partner_p, "Geldzaken", codes=("fines",), nationwide=True)
    network_services.update_partner_service(
        actor=region.staff_p,
        service=service,
        data=service_input(name="Geldzaken", topics=(topic("fines"), topic("banking"))),
    )
    changed = AuditEvent.objects.get(action="referrals.partner_service.updated").detail["changed"]
    assert changed["topics"] == ["fines", "banking, fines"]
    network_services.deactivate_partner_service(actor=region.staff_p, service=service)
    assert not PartnerService.objects.get(pk=service.pk).is_active
    with pytest.raises(ValidationError):
        network_services.deactivate_partner_service(actor=region.staff_p, service=service)
    with pytest.raises(PermissionDenied):
        network_services.reactivate_partner_service(actor=region.staff_q, service=service)
    network_services.reactivate_partner_service(actor=region.national, service=service)
    assert PartnerService.objects.get(pk=service.pk).is_active
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {
        "referrals.partner_service.updated",
        "referrals.partner_service.deactivated",
        "referrals.partner_service.reactivated",
    }


# The rules of the services: referral agreements


def agreement_input(region, **changes) -> network_services.AgreementInput:
    defaults = network_services.AgreementInput(
        partner=region.partner_p,
        topics=(topic("allowances"), topic("fines")),
        valid_from=TODAY,
        contact_name="Fatima",
        contact_phone="030 765 4321",
    )
    return replace(defaults, **changes)


def test_the_coordinator_makes_an_agreement_for_their_library(region):
    agreement = network_services.create_agreement(
        actor=region.coordinator_a, library=region.library_a, data=agreement_input(region, location=region.location_a)
    )
    assert (agreement.library, agreement.location, agreement.partner) == (
        region.library_a,
        region.location_a,
        region.partner_p,
    )
    assert {t.code for t in agreement.topics.all()} == {"allowances", "fines"}
    event = AuditEvent.objects.get(action="referrals.agreement.created")
    assert (event.organisation, event.detail["partner"]) == (region.library_a, "Buurtteam")
    for actor in (region.desk_a, region.coordinator_b, region.staff_p, region.officer_utrecht, region.national):
        with pytest.raises(PermissionDenied):
            network_services.create_agreement(actor=actor, library=region.library_a, data=agreement_input(region))


BAD_AGREEMENT_INPUT = [
    ("location", lambda r: {"location": r.location_c_utrecht}),
    ("partner", lambda r: {"partner": OrganisationFactory(is_active=False)}),
    ("partner", lambda r: {"partner": r.library_b}),
    ("topics", lambda r: {"topics": ()}),
    ("valid_until", lambda r: {"valid_until": TODAY - timedelta(days=1)}),
    ("response_days", lambda r: {"response_days": 0}),
    ("delivery", lambda r: {"delivery": "pigeon"}),
    ("notification_email", lambda r: {"delivery": "email"}),
    ("contact_phone", lambda r: {"delivery": "phone", "contact_phone": ""}),
    ("contact_email", lambda r: {"contact_email": "geen-adres"}),
]


@pytest.mark.parametrize(("field", "changes"), BAD_AGREEMENT_INPUT)
def test_bad_agreement_input_is_refused_and_changes_nothing(region, field, changes):
    existing = make_agreement(region.library_a, region.partner_q, "taxes", contact_name="Bestaand")
    audit_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        network_services.create_agreement(
            actor=region.coordinator_a, library=region.library_a, data=agreement_input(region, **changes(region))
        )
    assert field in error.value.error_dict
    with pytest.raises(ValidationError):
        network_services.update_agreement(
            actor=region.coordinator_a, agreement=existing, data=agreement_input(region, **changes(region))
        )
    assert ReferralAgreement.objects.count() == 1
    existing.refresh_from_db()
    assert (existing.partner, existing.contact_name, existing.valid_until) == (region.partner_q, "Bestaand", None)
    assert [t.code for t in existing.topics.all()] == ["taxes"]
    assert AuditEvent.objects.count() == audit_before


def test_changing_an_agreement_is_audited_with_what_changed(region):
    agreement = make_agreement(region.library_a, region.partner_p, "allowances", valid_from=TODAY)
    network_services.update_agreement(
        actor=region.coordinator_a,
        agreement=agreement,
        data=agreement_input(region, topics=(topic("allowances"),), response_days=3),
    )
    agreement.refresh_from_db()
    assert agreement.response_days == 3
    changed = AuditEvent.objects.get(action="referrals.agreement.updated").detail["changed"]
    assert changed["response_days"] == ["5", "3"]
    assert "topics" not in changed
    with pytest.raises(PermissionDenied):
        network_services.update_agreement(actor=region.coordinator_b, agreement=agreement, data=agreement_input(region))


def test_ending_an_agreement_makes_it_valid_until_today(region):
    agreement = make_agreement(region.library_a, region.partner_p, "allowances")
    network_services.end_agreement(actor=region.coordinator_a, agreement=agreement)
    agreement.refresh_from_db()
    assert agreement.valid_until == TODAY
    assert AuditEvent.objects.filter(action="referrals.agreement.ended").count() == 1
    assert list(network_selectors.valid_agreements(region.library_a, topic("allowances"))) == [agreement]
    assert not network_selectors.valid_agreements(region.library_a, topic("allowances"), TODAY + timedelta(days=1))
    with pytest.raises(ValidationError):
        network_services.end_agreement(actor=region.coordinator_a, agreement=agreement)
    later = make_agreement(region.library_a, region.partner_p, valid_from=TODAY + timedelta(days=7))
    with pytest.raises(ValidationError) as error:
        network_services.end_agreement(actor=region.coordinator_a, agreement=later)
    assert "valid_from" in error.value.error_dict
    with pytest.raises(PermissionDenied):
        network_services.end_agreement(actor=region.staff_p, agreement=later)
    assert AuditEvent.objects.filter(action="referrals.agreement.ended").count() == 1


# The pages


def test_every_role_opens_the_directory_and_filters_it(client, region):
    service = make_service(region.partner_p, "Geldzaken", codes=("allowances",), municipalities=[region.utrecht])
    make_service(region.partner_q, "Belastingtelefoon", codes=("taxes",), nationwide=True)
    for actor in (region.desk_a, region.coordinator_a, region.staff_p, region.officer_utrecht, region.national):
        login_verified(client, actor.user)
        response = client.get(reverse("network:directory"))
        assert response.status_code == 200
        assert len(response.context["rows"]) == 2
        response = client.get(reverse("network:directory"), {"topic": topic("allowances").pk})
        assert [row["service"] for row in response.context["rows"]] == [service]
        assert client.get(reverse("network:service", kwargs={"pk": service.pk})).status_code == 200


def test_partner_staff_add_and_change_their_service_through_the_pages(client, region):
    login_verified(client, region.staff_p.user)
    response = client.post(
        reverse("network:service_new"),
        {
            "name": "Geldzaken",
            "topics": [topic("fines").pk],
            "municipalities": [region.utrecht.pk],
            "phone": "030 123 4567",
            "languages": ["nl", "ar"],
            # Partner staff cannot choose another organisation: the field is not there.
            "organisation": region.partner_q.pk,
        },
    )
    service = PartnerService.objects.get()
    assert response.status_code == 302
    assert service.organisation == region.partner_p
    assert service.languages == ["nl", "ar"]
    response = client.post(reverse("network:service_new"), {"name": "Leeg", "phone": "030 123 4567"})
    assert response.status_code == 200
    assert "topics" in response.context["form"].errors
    edit = reverse("network:service_edit", kwargs={"pk": service.pk})
    assert client.get(edit).status_code == 200
    other = make_service(region.partner_q, "Belastingtelefoon")
    assert client.get(reverse("network:service_edit", kwargs={"pk": other.pk})).status_code == 404
    assert client.post(reverse("network:service_deactivate", kwargs={"pk": other.pk})).status_code == 404
    assert client.post(reverse("network:service_deactivate", kwargs={"pk": service.pk})).status_code == 302
    assert not PartnerService.objects.get(pk=service.pk).is_active
    # Out of the directory, but its own staff still open it to put it back.
    assert client.get(reverse("network:service", kwargs={"pk": service.pk})).status_code == 200
    login_verified(client, region.staff_q.user)
    assert client.get(reverse("network:service", kwargs={"pk": service.pk})).status_code == 404


def test_the_national_administrator_chooses_the_partner(client, region):
    login_verified(client, region.national.user)
    form = client.get(reverse("network:service_new")).context["form"]
    assert set(form.fields["organisation"].queryset) == {region.partner_p, region.partner_q}
    response = client.post(
        reverse("network:service_new"),
        {
            "organisation": region.partner_q.pk,
            "name": "Belastingtelefoon",
            "topics": [topic("taxes").pk],
            "nationwide": "on",
            "phone": "0800 0543",
        },
    )
    assert response.status_code == 302
    assert PartnerService.objects.get().organisation == region.partner_q


def test_the_coordinator_adds_changes_and_ends_an_agreement_through_the_pages(client, region):
    login_verified(client, region.coordinator_a.user)
    form = client.get(reverse("network:agreement_new")).context["form"]
    assert list(form.fields["location"].queryset) == [region.location_a]
    assert region.library_b not in form.fields["partner"].queryset
    data = {
        "partner": region.partner_p.pk,
        "location": "",
        "topics": [topic("allowances").pk, topic("fines").pk],
        "delivery": "platform",
        "response_days": 5,
        "contact_name": "Fatima",
        "valid_from": TODAY.isoformat(),
        "valid_until": "",
    }
    response = client.post(reverse("network:agreement_new"), {**data, "valid_until": "2026-01-01"})
    assert response.status_code == 200
    assert "valid_until" in response.context["form"].errors
    assert not ReferralAgreement.objects.exists()
    response = client.post(reverse("network:agreement_new"), data)
    agreement = ReferralAgreement.objects.get()
    assert response.status_code == 302
    assert agreement.library == region.library_a
    detail = reverse("network:agreement", kwargs={"pk": agreement.pk})
    assert client.get(detail).context["can_manage"]
    edit = reverse("network:agreement_edit", kwargs={"pk": agreement.pk})
    assert client.get(edit).status_code == 200
    assert client.post(edit, {**data, "response_days": 2}).status_code == 302
    assert client.post(reverse("network:agreement_end", kwargs={"pk": agreement.pk})).status_code == 302
    agreement.refresh_from_db()
    assert (agreement.response_days, agreement.valid_until) == (2, TODAY)


def test_agreement_pages_per_role(client, region):
    agreement = make_agreement(region.library_a, region.partner_p, "allowances")
    detail = reverse("network:agreement", kwargs={"pk": agreement.pk})
    expected = [
        (region.desk_a, 200, 1),
        (region.coordinator_a, 200, 1),
        (region.coordinator_b, 404, 0),
        (region.staff_p, 200, 1),
        (region.staff_q, 404, 0),
        (region.officer_utrecht, 200, 1),
        (region.officer_amersfoort, 404, 0),
        (region.national, 200, 1),
    ]
    for actor, status, listed in expected:
        login_verified(client, actor.user)
        assert client.get(detail).status_code == status, actor
        assert len(client.get(reverse("network:agreements")).context["rows"]) == listed, actor
    for actor in (region.desk_a, region.staff_p, region.officer_utrecht, region.national):
        login_verified(client, actor.user)
        assert client.get(reverse("network:agreement_new")).status_code == 403
        assert client.post(reverse("network:agreement_end", kwargs={"pk": agreement.pk})).status_code == 403
    login_verified(client, region.coordinator_b.user)
    assert client.get(reverse("network:agreement_edit", kwargs={"pk": agreement.pk})).status_code == 404


def test_the_overview_lists_white_spots_first(client, region):
    make_agreement(region.library_a, region.partner_p, "allowances")
    login_verified(client, region.officer_utrecht.user)
    response = client.get(reverse("network:overview"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert rows[0].is_white_spot
    assert rows[-1].topic.code == "allowances"
    assert response.context["white_spot_count"] == len(rows) - 1
    assert [agreement.partner for agreement in response.context["agreements"]] == [region.partner_p]
    login_verified(client, region.national.user)
    assert "rows" not in client.get(reverse("network:overview")).context
    response = client.get(reverse("network:overview"), {"municipality": region.amersfoort.pk})
    assert response.context["municipality"] == region.amersfoort
    assert not response.context["agreements"]
    for actor in (region.desk_a, region.coordinator_a, region.staff_p):
        login_verified(client, actor.user)
        assert client.get(reverse("network:overview")).status_code == 403


@pytest.mark.parametrize("size", [3, 30])
def test_network_pages_keep_a_fixed_number_of_queries(client, region, django_assert_max_num_queries, size):
    for n in range(size):
        partner = OrganisationFactory()
        make_service(partner, f"Dienst {n}", codes=("taxes", "fines"), municipalities=[region.utrecht])
        make_agreement(region.library_a, partner, "taxes", "fines", location=region.location_a if n % 2 else None)
    login_verified(client, region.national.user)
    for url in (
        reverse("network:directory"),
        reverse("network:agreements"),
        f"{reverse('network:overview')}?municipality={region.utrecht.pk}",
    ):
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200
