"""Rules for organisations and memberships, through the services."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from ido.core.models import AuditEvent
from ido.organisations import services
from ido.organisations.models import Membership, Organisation
from ido.organisations.roles import OrganisationKind, Role
from tests.factories import LibraryFactory, MunicipalityFactory, UserFactory, membership_for_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def national():
    return membership_for_role(Role.NATIONAL_ADMIN)


@pytest.fixture
def coordinator():
    return membership_for_role(Role.COORDINATOR)


def test_national_admin_creates_a_library_serving_two_municipalities(national):
    a, b = MunicipalityFactory(), MunicipalityFactory()
    library = services.create_organisation(
        actor=national,
        kind=OrganisationKind.LIBRARY,
        name="Bibliotheek Rivierenland",
        served_municipalities=[a, b],
    )
    assert set(library.served_municipalities.all()) == {a, b}
    event = AuditEvent.objects.get(action="organisations.organisation.created")
    assert event.actor == national.user
    assert event.target_id == str(library.pk)


def test_library_without_municipality_is_refused(national):
    with pytest.raises(ValidationError) as error:
        services.create_organisation(actor=national, kind=OrganisationKind.LIBRARY, name="Bibliotheek X")
    assert "served_municipalities" in error.value.error_dict
    assert not Organisation.objects.filter(name="Bibliotheek X").exists()


def test_municipality_organisation_needs_its_municipality_and_only_once(national):
    municipality = MunicipalityFactory()
    with pytest.raises(ValidationError):
        services.create_organisation(actor=national, kind=OrganisationKind.MUNICIPALITY, name="Gemeente X")
    services.create_organisation(
        actor=national, kind=OrganisationKind.MUNICIPALITY, name="Gemeente X", municipality=municipality
    )
    with pytest.raises(ValidationError):
        services.create_organisation(
            actor=national,
            kind=OrganisationKind.MUNICIPALITY,
            name="Gemeente X bis",
            municipality=municipality,
        )


def test_duplicate_organisation_name_is_refused(national):
    services.create_organisation(actor=national, kind=OrganisationKind.PARTNER, name="UWV")
    with pytest.raises(ValidationError):
        services.create_organisation(actor=national, kind=OrganisationKind.PARTNER, name="uwv")


def test_only_national_admin_creates_organisations(coordinator):
    with pytest.raises(PermissionDenied):
        services.create_organisation(actor=coordinator, kind=OrganisationKind.PARTNER, name="UWV")


def test_coordinator_adds_a_volunteer_who_gets_an_invitation(coordinator):
    membership = services.add_member(
        actor=coordinator,
        organisation=coordinator.organisation,
        email="Nieuwe.Vrijwilliger@Example.test",
        name="Nieuwe Vrijwilliger",
        role=Role.DESK,
        is_volunteer=True,
    )
    assert membership.user.email == "nieuwe.vrijwilliger@example.test"
    assert membership.is_volunteer
    assert not membership.user.has_usable_password()
    assert AuditEvent.objects.filter(action="organisations.membership.created").count() == 1


def test_invitation_mail_is_sent_after_commit(coordinator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.add_member(
            actor=coordinator,
            organisation=coordinator.organisation,
            email="x@example.test",
            name="X",
            role=Role.DESK,
        )
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_coordinator_cannot_add_people_to_another_library(coordinator):
    other = LibraryFactory()
    with pytest.raises(PermissionDenied):
        services.add_member(actor=coordinator, organisation=other, email="x@example.test", name="X", role=Role.DESK)
    assert not Membership.objects.filter(organisation=other).exists()


def test_coordinator_cannot_hand_out_a_national_role(coordinator):
    with pytest.raises(PermissionDenied):
        services.add_member(
            actor=coordinator,
            organisation=coordinator.organisation,
            email="x@example.test",
            name="X",
            role=Role.NATIONAL_ADMIN,
        )


def test_role_must_fit_the_kind_of_organisation(national):
    library = LibraryFactory()
    with pytest.raises(ValidationError) as error:
        services.add_member(
            actor=national,
            organisation=library,
            email="x@example.test",
            name="X",
            role=Role.MUNICIPAL_OFFICER,
        )
    assert "role" in error.value.error_dict


def test_same_role_twice_is_refused_but_a_second_organisation_is_fine(coordinator, national):
    user = UserFactory()
    services.add_member(
        actor=coordinator,
        organisation=coordinator.organisation,
        email=user.email,
        name=user.name,
        role=Role.DESK,
    )
    with pytest.raises(ValidationError):
        services.add_member(
            actor=coordinator,
            organisation=coordinator.organisation,
            email=user.email,
            name=user.name,
            role=Role.DESK,
        )
    services.add_member(actor=national, organisation=LibraryFactory(), email=user.email, name=user.name, role=Role.DESK)
    assert Membership.objects.active().filter(user=user).count() == 2


def test_ending_a_membership_keeps_the_history(coordinator):
    desk = membership_for_role(Role.DESK, organisation=coordinator.organisation)
    services.end_membership(actor=coordinator, membership=desk)
    desk.refresh_from_db()
    assert desk.ended_at is not None
    assert not Membership.objects.active().filter(pk=desk.pk).exists()
    with pytest.raises(ValidationError):
        services.end_membership(actor=coordinator, membership=desk)


def test_nobody_ends_their_own_membership(coordinator):
    with pytest.raises(ValidationError):
        services.end_membership(actor=coordinator, membership=coordinator)


def test_audit_trail_is_append_only(national):
    services.create_organisation(actor=national, kind=OrganisationKind.PARTNER, name="SVB")
    event = AuditEvent.objects.get()
    from ido.core.models import AppendOnlyError

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(action="x")


def test_update_organisation_keeps_municipalities_that_still_have_locations(national):
    from tests.factories import LocationFactory

    a, b = MunicipalityFactory(), MunicipalityFactory()
    library = LibraryFactory(served_municipalities=[a, b])
    LocationFactory(library=library, municipality=a)
    with pytest.raises(ValidationError) as error:
        services.update_organisation(actor=national, organisation=library, name=library.name, served_municipalities=[b])
    assert "served_municipalities" in error.value.error_dict
    services.update_organisation(actor=national, organisation=library, name="Nieuwe naam", served_municipalities=[a])
    library.refresh_from_db()
    assert library.name == "Nieuwe naam"
    event = AuditEvent.objects.get(action="organisations.organisation.updated")
    assert event.organisation == library, "the library's own coordinators see changes to it"


def test_national_admin_cannot_switch_off_their_own_body(national):
    with pytest.raises(ValidationError):
        services.update_organisation(
            actor=national, organisation=national.organisation, name=national.organisation.name, is_active=False
        )


def test_adding_an_existing_account_tells_the_person(coordinator, django_capture_on_commit_callbacks):
    existing = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_member(
            actor=coordinator,
            organisation=coordinator.organisation,
            email=existing.email,
            name="Ignored",
            role=Role.DESK,
        )
    assert [message.to for message in mail.outbox] == [[existing.email]]
    assert coordinator.organisation.name in mail.outbox[0].subject


def test_same_role_for_a_switched_off_account_is_a_clear_error_not_a_crash(coordinator):
    user = UserFactory()
    services.add_member(
        actor=coordinator, organisation=coordinator.organisation, email=user.email, name="X", role=Role.DESK
    )
    user.is_active = False
    user.save()
    with pytest.raises(ValidationError):
        services.add_member(
            actor=coordinator, organisation=coordinator.organisation, email=user.email, name="X", role=Role.DESK
        )
