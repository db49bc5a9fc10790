import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ido.api import services
from ido.api.keys import hash_key
from ido.api.models import ApiToken
from ido.core.models import AuditEvent
from ido.organisations.roles import Role
from tests.factories import membership_for_role

pytestmark = pytest.mark.django_db


def test_coordinator_creates_a_token_for_their_library():
    coordinator = membership_for_role(Role.COORDINATOR)

    token, key = services.create_api_token(actor=coordinator, name="  Website location finder ")

    assert token.organisation == coordinator.organisation
    assert token.name == "Website location finder"
    assert token.created_by == coordinator.user
    assert key.startswith("ido_")
    assert len(key) > 40
    assert token.prefix == key[:8]
    assert token.key_hash == hash_key(key)
    event = AuditEvent.objects.get(action="api.token.created")
    assert event.actor == coordinator.user
    assert event.organisation == coordinator.organisation
    assert event.target_id == str(token.pk)


def test_national_administrator_creates_a_token_for_the_national_body():
    admin = membership_for_role(Role.NATIONAL_ADMIN)

    token, _key = services.create_api_token(actor=admin, name="Monitor")

    assert token.organisation == admin.organisation


def test_every_token_gets_its_own_key():
    coordinator = membership_for_role(Role.COORDINATOR)

    keys = {services.create_api_token(actor=coordinator, name=f"Token {n}")[1] for n in range(5)}

    assert len(keys) == 5


@pytest.mark.parametrize("role", [Role.DESK, Role.PARTNER_STAFF, Role.MUNICIPAL_OFFICER])
def test_roles_without_the_permission_cannot_create_a_token(role):
    member = membership_for_role(role)

    with pytest.raises(PermissionDenied):
        services.create_api_token(actor=member, name="Not allowed")

    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_token_needs_a_name():
    coordinator = membership_for_role(Role.COORDINATOR)

    with pytest.raises(ValidationError) as error:
        services.create_api_token(actor=coordinator, name="   ")

    assert "name" in error.value.message_dict


def test_coordinator_revokes_their_token():
    coordinator = membership_for_role(Role.COORDINATOR)
    token, _key = services.create_api_token(actor=coordinator, name="Old script")

    services.revoke_api_token(actor=coordinator, token=token)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api.token.revoked", target_id=str(token.pk)).count() == 1


def test_revoking_twice_records_one_event():
    coordinator = membership_for_role(Role.COORDINATOR)
    token, _key = services.create_api_token(actor=coordinator, name="Old script")
    services.revoke_api_token(actor=coordinator, token=token)
    first_revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at

    services.revoke_api_token(actor=coordinator, token=token)

    assert ApiToken.objects.get(pk=token.pk).revoked_at == first_revoked_at
    assert AuditEvent.objects.filter(action="api.token.revoked").count() == 1


def test_coordinator_cannot_revoke_another_librarys_token():
    owner = membership_for_role(Role.COORDINATOR)
    other = membership_for_role(Role.COORDINATOR)
    token, _key = services.create_api_token(actor=owner, name="Theirs")

    with pytest.raises(PermissionDenied):
        services.revoke_api_token(actor=other, token=token)

    token.refresh_from_db()
    assert token.revoked_at is None


def test_desk_staff_cannot_revoke_their_librarys_token():
    coordinator = membership_for_role(Role.COORDINATOR)
    desk = membership_for_role(Role.DESK, organisation=coordinator.organisation)
    token, _key = services.create_api_token(actor=coordinator, name="Website")

    with pytest.raises(PermissionDenied):
        services.revoke_api_token(actor=desk, token=token)
