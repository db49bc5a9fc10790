import re

import pytest
from django.conf import settings
from django.urls import reverse

from ido.api import services
from ido.api.models import ApiToken
from ido.organisations.roles import Role
from tests.factories import membership_for_role

pytestmark = pytest.mark.django_db

KEY = re.compile(r"ido_[A-Za-z0-9_-]{40,}")


@pytest.fixture(autouse=True)
def english(client):
    """The assertions read English texts; the pages are Dutch by default."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_coordinator_creates_a_token_sees_the_key_once_and_revokes_it(client, as_role):
    coordinator = as_role(Role.COORDINATOR)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("api_tokens:list"))
    assert response.status_code == 200
    assert "no API tokens yet" in response.content.decode()

    response = client.post(reverse("api_tokens:create"), {"name": "Website location finder"})
    assert response.status_code == 200
    page = response.content.decode()
    key = KEY.search(page).group()
    assert "shown only this once" in page
    assert "no-store" in response.headers["Cache-Control"]
    token = ApiToken.objects.get()
    assert token.organisation == coordinator.organisation
    assert token.prefix == key[:8]

    listing = client.get(reverse("api_tokens:list")).content.decode()
    assert "Website location finder" in listing
    assert token.prefix in listing
    assert key not in listing

    confirm = client.get(reverse("api_tokens:revoke", args=[token.pk]))
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None

    response = client.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response.url == reverse("api_tokens:list")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_new_token_works_in_the_api(client, as_role, api_client):
    as_role(Role.COORDINATOR)
    page = client.post(reverse("api_tokens:create"), {"name": "Script"}).content.decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {KEY.search(page).group()}")

    assert api_client.get("/api/v1/organisation/").status_code == 200


def test_a_token_needs_a_name_in_the_form(client, as_role):
    as_role(Role.COORDINATOR)

    response = client.post(reverse("api_tokens:create"), {"name": ""})

    assert response.status_code == 200
    assert "utrecht-form-field--invalid" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_national_administrator_manages_tokens(client, as_role):
    admin = as_role(Role.NATIONAL_ADMIN)

    client.post(reverse("api_tokens:create"), {"name": "Monitor"})

    assert ApiToken.objects.get().organisation == admin.organisation


@pytest.mark.parametrize("role", [Role.DESK, Role.MUNICIPAL_OFFICER, Role.PARTNER_STAFF])
def test_people_without_the_permission_get_403(client, as_role, role):
    member = as_role(role)
    token, _key = services.create_api_token(
        actor=membership_for_role(Role.COORDINATOR, organisation=member.organisation)
        if role == Role.DESK
        else membership_for_role(Role.COORDINATOR),
        name="Someone's",
    )

    assert client.get(reverse("api_tokens:list")).status_code == 403
    assert client.get(reverse("api_tokens:create")).status_code == 403
    assert client.post(reverse("api_tokens:create"), {"name": "x"}).status_code == 403
    assert client.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_coordinator_cannot_see_or_revoke_another_librarys_token(client, as_role):
    as_role(Role.COORDINATOR)
    theirs, _key = services.create_api_token(actor=membership_for_role(Role.COORDINATOR), name="Theirs")

    assert "Theirs" not in client.get(reverse("api_tokens:list")).content.decode()
    assert client.post(reverse("api_tokens:revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("api_tokens:list"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url
